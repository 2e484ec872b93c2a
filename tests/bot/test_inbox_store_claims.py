"""A delivery processed at once is claimed in the transaction that stores it: claimed once across
instances, and a chat's messages still in arrival order."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.db.models import InboundEvent
from bot.pipeline.inbox import Inbox
from bot.pipeline.inbox_table import DONE, Arrival, Claim, InboxTable, Outcome
from tests.statements import counting_statements


async def rows(engine: AsyncEngine) -> list[tuple[str, str, int, str]]:
    async with engine.connect() as conn:
        found = await conn.execute(select(InboundEvent.event_key, InboundEvent.status, InboundEvent.attempts,
                                          InboundEvent.owner).order_by(InboundEvent.id))
        return [tuple(row) for row in found]  # type: ignore[misc]


async def test_a_row_stored_and_claimed_in_one_transaction_is_not_claimed_by_another_instance(
        engine: AsyncEngine) -> None:
    mine, other = InboxTable(engine, owner="desk-1"), InboxTable(engine, owner="desk-2")

    stored = await mine.store_and_claim(Arrival("telegram", "1", "chat1", "{}"))

    assert stored is not None and stored[1] is Claim.OWNED
    assert await rows(engine) == [("1", "processing", 1, "desk-1")]
    assert await other.claim(stored[0]) is Claim.TAKEN
    assert await other.open_rows(10) == []


async def test_a_delivery_stored_before_is_a_duplicate_and_claims_nothing(engine: AsyncEngine) -> None:
    table = InboxTable(engine, owner="desk-1")
    assert await table.store(Arrival("telegram", "1", "chat1", "{}")) is not None

    assert await table.store_and_claim(Arrival("telegram", "1", "chat1", "{}")) is None
    assert await rows(engine) == [("1", "pending", 0, "")]


async def test_a_chats_message_stored_while_its_first_is_open_on_another_instance_is_left_pending(
        engine: AsyncEngine) -> None:
    first, second = InboxTable(engine, owner="desk-1"), InboxTable(engine, owner="desk-2")
    await first.store_and_claim(Arrival("whatsapp", "m1", "7701", "{}"))

    stored = await second.store_and_claim(Arrival("whatsapp", "m2", "7701", "{}"))

    assert stored is not None and stored[1] is Claim.BLOCKED
    assert await rows(engine) == [("m1", "processing", 1, "desk-1"), ("m2", "pending", 0, "")]


async def test_two_messages_of_a_chat_stored_together_are_claimed_first_one_first(engine: AsyncEngine) -> None:
    table = InboxTable(engine)

    stored = await asyncio.gather(*(table.store_and_claim(Arrival("whatsapp", key, "7701", "{}"))
                                    for key in ("m1", "m2")))

    assert [claim for _, claim in stored] == [Claim.OWNED, Claim.BLOCKED]  # type: ignore[misc]


async def test_a_chats_second_message_waits_for_its_first_on_another_instance(engine: AsyncEngine) -> None:
    order: list[str] = []
    release = asyncio.Event()

    async def processor(payload: dict[str, Any]) -> None:
        if payload["n"] == "m1":
            await release.wait()
        order.append(payload["n"])

    slow, fast = (Inbox(InboxTable(engine, owner=name), {"whatsapp": processor}) for name in ("desk-1", "desk-2"))
    await slow.accept("whatsapp", "m1", {"n": "m1"}, order_key="7701")  # claimed with its store
    await fast.accept("whatsapp", "m2", {"n": "m2"}, order_key="7701")
    await asyncio.sleep(0.2)
    assert order == []  # message 2 is not processed before message 1, held by the other instance
    release.set()
    await asyncio.gather(slow.drain(), fast.drain())
    assert order == ["m1", "m2"]


async def test_a_delivery_claimed_with_its_store_whose_work_never_began_is_handed_back_on_shutdown(
        engine: AsyncEngine) -> None:
    inbox = Inbox(InboxTable(engine), {"telegram": lambda payload: asyncio.sleep(0)})  # type: ignore[arg-type,return-value]
    await inbox.accept("telegram", "1", {"n": 1})

    assert await inbox.drain(timeout=0) == 1  # cancelled before its task ran at all
    assert [(key, status) for key, status, _, _ in await rows(engine)] == [("1", "pending")]


async def test_a_delivery_beyond_the_room_in_memory_is_stored_unclaimed(engine: AsyncEngine) -> None:
    release = asyncio.Event()
    inbox = Inbox(InboxTable(engine, owner="desk-1"), {"telegram": lambda payload: release.wait()},  # type: ignore[arg-type,return-value]
                  max_in_flight=1)

    await asyncio.gather(*(inbox.accept("telegram", str(n), {"n": n}) for n in range(3)))

    assert sorted(status for _, status, _, _ in await rows(engine)) == ["pending", "pending", "processing"]
    release.set()
    await asyncio.wait_for(inbox.drain(), 10)
    assert {status for _, status, _, _ in await rows(engine)} == {"done"}


async def test_on_postgresql_a_delivery_is_stored_and_claimed_by_one_statement(engine: AsyncEngine) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite stores, then claims, in one transaction of its writer thread: no round trips")
    table = InboxTable(engine)
    await table.store_and_claim(Arrival("telegram", "warm-up", "", "{}"))  # the pool's first connection

    with counting_statements("") as sent:
        stored = await asyncio.gather(*(table.store_and_claim(Arrival("telegram", str(n), f"chat{n}", "{}"))
                                        for n in range(5)))

    assert [claim for _, claim in stored] == [Claim.OWNED] * 5  # type: ignore[misc]
    assert sent == [1]


async def test_a_chats_message_stored_beside_a_duplicate_of_its_finished_first_is_claimed(
        engine: AsyncEngine) -> None:
    table = InboxTable(engine)
    first = await table.store_and_claim(Arrival("whatsapp", "m1", "7701", "{}"))
    assert first is not None
    await table.record(Outcome(first[0], DONE))

    again, second = await asyncio.gather(table.store_and_claim(Arrival("whatsapp", "m1", "7701", "{}")),
                                         table.store_and_claim(Arrival("whatsapp", "m2", "7701", "{}")))

    assert again is None and second is not None and second[1] is Claim.OWNED


async def test_a_chats_message_stored_beside_a_duplicate_of_its_open_first_is_left_pending(
        engine: AsyncEngine) -> None:
    table = InboxTable(engine)
    assert await table.store(Arrival("whatsapp", "m1", "7701", "{}")) is not None

    again, second = await asyncio.gather(table.store_and_claim(Arrival("whatsapp", "m1", "7701", "{}")),
                                         table.store_and_claim(Arrival("whatsapp", "m2", "7701", "{}")))

    assert again is None and second is not None and second[1] is Claim.BLOCKED


async def test_a_delivery_stored_unclaimed_holds_back_its_chats_next_in_the_same_batch(engine: AsyncEngine) -> None:
    table = InboxTable(engine)

    left, behind, other, twice = await asyncio.gather(
        table.store(Arrival("telegram", "1", "chat1", "{}")),
        table.store_and_claim(Arrival("telegram", "2", "chat1", "{}")),
        table.store_and_claim(Arrival("telegram", "3", "chat2", "{}")),
        table.store_and_claim(Arrival("telegram", "3", "chat2", "{}")))

    assert left is not None and behind is not None and other is not None
    assert left < behind[0] < other[0]  # ids in arrival order
    assert (behind[1], other[1], twice) == (Claim.BLOCKED, Claim.OWNED, None)
    assert [(key, status) for key, status, _, _ in await rows(engine)] == [
        ("1", "pending"), ("2", "pending"), ("3", "processing")]
