"""The durable inbox: stored before acknowledged, handled once, recovered after a crash."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.db.models import InboundEvent, utcnow
from bot.pipeline import inbox as inbox_module
from bot.pipeline.inbox import MAX_ATTEMPTS, Inbox
from bot.pipeline.inbox_table import Arrival, Claim, InboxTable


async def test_a_delivery_is_processed_once_and_duplicates_are_refused(engine: AsyncEngine) -> None:
    seen: list[dict[str, Any]] = []

    async def processor(payload: dict[str, Any]) -> None:
        seen.append(payload)

    inbox = Inbox(InboxTable(engine), {"telegram": processor})
    assert await inbox.accept("telegram", "1", {"update_id": 1}) is True
    assert await inbox.accept("telegram", "1", {"update_id": 1}) is False
    await inbox.drain()
    assert seen == [{"update_id": 1}]
    async with engine.connect() as conn:
        assert (await conn.execute(select(InboundEvent.status))).scalar_one() == "done"


async def test_the_same_chat_is_processed_in_order(engine: AsyncEngine) -> None:
    order: list[int] = []

    async def slow_first(payload: dict[str, Any]) -> None:
        if payload["n"] == 1:
            await asyncio.sleep(0.05)
        order.append(payload["n"])

    inbox = Inbox(InboxTable(engine), {"whatsapp": slow_first})
    for n in (1, 2, 3):
        await inbox.accept("whatsapp", f"wamid.{n}", {"n": n}, order_key="7701")
    await inbox.drain()
    assert order == [1, 2, 3]


async def test_a_chat_writing_on_while_its_messages_are_handled_keeps_its_order_without_waits(
        engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch) -> None:
    """A message that comes as the previous one ends queues behind the ones already waiting;
    it never finds its row blocked by theirs (which would leave it for the next sweep)."""
    monkeypatch.setattr(inbox_module, "BLOCKED_RETRIES", ())  # a blocked row is left at once
    order: list[int] = []

    async def processor(payload: dict[str, Any]) -> None:
        await asyncio.sleep(0.01)
        order.append(payload["n"])

    inbox = Inbox(InboxTable(engine), {"telegram": processor})
    for n in range(30):
        await inbox.accept("telegram", str(n), {"n": n}, order_key="4242")
        await asyncio.sleep(0.004)
    await inbox.drain()
    assert order == list(range(30))


async def test_a_failing_delivery_is_recorded_and_does_not_stop_the_others(engine: AsyncEngine) -> None:
    handled: list[int] = []

    async def processor(payload: dict[str, Any]) -> None:
        if payload["n"] == 1:
            raise ValueError("boom")
        handled.append(payload["n"])

    inbox = Inbox(InboxTable(engine), {"telegram": processor})
    await inbox.accept("telegram", "1", {"n": 1})
    await inbox.accept("telegram", "2", {"n": 2})
    await inbox.drain()
    async with engine.connect() as conn:
        rows = (await conn.execute(select(InboundEvent.event_key, InboundEvent.status, InboundEvent.error)
                                   .order_by(InboundEvent.id))).all()
    assert handled == [2]
    assert [(r.event_key, r.status) for r in rows] == [("1", "failed"), ("2", "done")]
    assert rows[0].error == "ValueError: boom"


async def test_deliveries_left_open_by_a_crash_are_processed_after_restart(engine: AsyncEngine) -> None:
    crashed = Inbox(InboxTable(engine, owner="desk-1"), {"telegram": lambda payload: asyncio.sleep(3600)})  # type: ignore[arg-type,return-value]
    await crashed.accept("telegram", "5", {"update_id": 5})
    for task in list(crashed._tasks):
        task.cancel()
    await asyncio.gather(*crashed._tasks, return_exceptions=True)

    seen: list[dict[str, Any]] = []

    async def processor(payload: dict[str, Any]) -> None:
        seen.append(payload)

    restarted = Inbox(InboxTable(engine, owner="desk-1"), {"telegram": processor})  # the same instance again
    assert await restarted.recover() == 1
    await restarted.drain()
    assert seen == [{"update_id": 5}]


# -- claims: several instances on one database ----------------------------------------------

async def statuses(engine: AsyncEngine) -> list[tuple[str, str, int]]:
    async with engine.connect() as conn:
        rows = await conn.execute(select(InboundEvent.event_key, InboundEvent.status, InboundEvent.attempts)
                                  .order_by(InboundEvent.id))
        return [tuple(row) for row in rows]  # type: ignore[misc]


async def test_two_inboxes_sweeping_the_same_rows_process_each_once(engine: AsyncEngine) -> None:
    seen: list[int] = []

    async def processor(payload: dict[str, Any]) -> None:
        await asyncio.sleep(0.01)
        seen.append(payload["n"])

    async with engine.begin() as conn:  # stored by an instance that died before processing them
        await conn.execute(InboundEvent.__table__.insert(), [
            {"channel": "telegram", "event_key": str(n), "order_key": str(n % 3), "payload": f'{{"n": {n}}}'}
            for n in range(20)])

    first, second = (Inbox(InboxTable(engine), {"telegram": processor}) for _ in range(2))
    await asyncio.gather(first.sweep(), second.sweep())
    await asyncio.gather(first.drain(), second.drain())
    await asyncio.gather(first.sweep(), second.sweep())  # blocked ones come back on a later sweep
    await asyncio.gather(first.drain(), second.drain())

    assert sorted(seen) == list(range(20))
    for chat in range(10):  # each chat in arrival order, across both instances
        assert [n for n in seen if n % 3 == chat] == sorted(n for n in seen if n % 3 == chat)
    assert {status for _, status, _ in await statuses(engine)} == {"done"}


async def test_a_chat_waits_for_its_earlier_message_held_by_another_instance(engine: AsyncEngine) -> None:
    order: list[int] = []
    release = asyncio.Event()

    async def processor(payload: dict[str, Any]) -> None:
        if payload["n"] == 1:
            await release.wait()
        order.append(payload["n"])

    slow, fast = (Inbox(InboxTable(engine), {"whatsapp": processor}) for _ in range(2))
    await slow.accept("whatsapp", "m1", {"n": 1}, order_key="7701")
    await asyncio.sleep(0.05)  # instance "slow" holds message 1
    await fast.accept("whatsapp", "m2", {"n": 2}, order_key="7701")
    await asyncio.sleep(0.2)
    assert order == []  # message 2 waits for message 1, on another instance
    release.set()
    await asyncio.gather(slow.drain(), fast.drain())
    assert order == [1, 2]


async def test_a_dead_instances_claim_is_taken_over_after_the_lease(engine: AsyncEngine) -> None:
    seen: list[int] = []

    async def processor(payload: dict[str, Any]) -> None:
        seen.append(payload["n"])

    async with engine.begin() as conn:  # claimed by an instance that was then killed
        await conn.execute(InboundEvent.__table__.insert().values(
            channel="telegram", event_key="1", order_key="", payload='{"n": 1}', status="processing",
            attempts=1, error="", received_at=utcnow(), processed_at=utcnow() - dt.timedelta(seconds=5)))
    patient, impatient = (Inbox(InboxTable(engine, lease=lease), {"telegram": processor}) for lease in (60, 2))

    assert await patient.sweep() == 0  # within its lease: maybe still at work
    assert await impatient.sweep() == 1
    await impatient.drain()
    assert seen == [1]
    assert await statuses(engine) == [("1", "done", 2)]


async def test_a_delivery_that_keeps_killing_its_worker_is_given_up(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        await conn.execute(InboundEvent.__table__.insert().values(
            channel="telegram", event_key="9", order_key="42", payload="{}", status="processing",
            attempts=MAX_ATTEMPTS, error="", received_at=utcnow(),
            processed_at=utcnow() - dt.timedelta(hours=1)))
    inbox = Inbox(InboxTable(engine, lease=60), {"telegram": lambda payload: asyncio.sleep(0)})  # type: ignore[arg-type,return-value]

    assert await inbox.sweep() == 0
    assert await statuses(engine) == [("9", "failed", MAX_ATTEMPTS)]


async def test_work_cut_short_by_shutdown_is_handed_back_as_pending(engine: AsyncEngine) -> None:
    inbox = Inbox(InboxTable(engine), {"telegram": lambda payload: asyncio.sleep(3600)})  # type: ignore[arg-type,return-value]
    await inbox.accept("telegram", "1", {"n": 1})
    await asyncio.sleep(0.05)

    assert await inbox.drain(timeout=0.1) == 1
    assert await statuses(engine) == [("1", "pending", 1)]


async def test_a_backlog_beyond_the_work_in_memory_is_stored_and_picked_up_as_work_drains(
        engine: AsyncEngine) -> None:
    busy, most_busy, handled = 0, 0, []

    async def processor(payload: dict[str, Any]) -> None:
        nonlocal busy, most_busy
        busy += 1
        most_busy = max(most_busy, busy)
        await asyncio.sleep(0.01)
        handled.append(payload["n"])
        busy -= 1

    inbox = Inbox(InboxTable(engine), {"whatsapp": processor}, max_in_flight=4)
    stored = await asyncio.gather(*(inbox.accept("whatsapp", f"wamid.{n}", {"n": n}, order_key=f"77{n % 10}")
                                    for n in range(30)))
    await asyncio.wait_for(inbox.drain(), 10)

    assert all(stored)  # every delivery acknowledged at once
    assert most_busy <= 4  # never more in memory than allowed
    assert sorted(handled) == list(range(30))  # every one answered, once
    for chat in range(10):  # each chat's messages in their order
        mine = [n for n in handled if n % 10 == chat]
        assert mine == sorted(mine)


async def test_a_row_asked_for_twice_in_one_group_of_claims_is_won_once(engine: AsyncEngine) -> None:
    table = InboxTable(engine)
    ids = [await table.store(Arrival("telegram", str(n), f"chat{n}", "{}")) for n in range(3)]

    claims = await asyncio.gather(*(table.claim(event_id) for event_id in [*ids, ids[0]]))

    assert claims == [Claim.OWNED, Claim.OWNED, Claim.OWNED, Claim.TAKEN]
    assert [status for _, status, _ in await statuses(engine)] == ["processing"] * 3
