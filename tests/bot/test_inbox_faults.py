"""The inbox under trouble: an outage is waited out, bad data fails alone, a restart resumes its own work."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.db.models import InboundEvent, utcnow
from bot.ops.metrics import Metrics
from bot.pipeline.faults import is_transient
from bot.pipeline.inbox import Inbox


async def rows(engine: AsyncEngine) -> list[tuple[str, str, int]]:
    async with engine.connect() as conn:
        result = await conn.execute(select(InboundEvent.event_key, InboundEvent.status, InboundEvent.attempts)
                                    .order_by(InboundEvent.id))
        return [tuple(row) for row in result]  # type: ignore[misc]


def lost_database() -> OperationalError:
    return OperationalError("INSERT ...", {}, ConnectionRefusedError("connection refused"))


@pytest.mark.parametrize(("error", "transient"), [
    (lost_database(), True), (ConnectionResetError(), True), (TimeoutError(), True),
    (ValueError("a bug"), False), (KeyError("bad data"), False)])
def test_errors_of_an_absent_database_or_network_are_transient_and_bugs_are_not(
        error: Exception, transient: bool) -> None:
    assert is_transient(error) is transient


async def test_a_database_error_while_processing_leaves_the_update_pending_and_it_is_answered_later(
        engine: AsyncEngine) -> None:
    metrics = Metrics()
    inbox = Inbox(engine, metrics)
    answered: list[int] = []
    outage = [True]

    async def processor(payload: dict[str, Any]) -> None:
        if outage[0]:
            raise lost_database()
        answered.append(payload["n"])

    inbox.register("telegram", processor)
    await inbox.accept("telegram", "1", {"n": 1}, order_key="7")
    await inbox.drain()
    assert await rows(engine) == [("1", "pending", 0)]  # handed back, its attempt not counted

    outage[0] = False
    async with asyncio.timeout(10):  # picked up again by itself, without waiting for the periodic sweep
        while not answered:
            await asyncio.sleep(0.05)
    await inbox.drain()
    assert answered == [1]
    assert await rows(engine) == [("1", "done", 1)]
    assert metrics.processed.labels("telegram", "retry")._value.get() == 1


async def test_an_error_that_will_happen_again_ends_failed_and_is_counted(engine: AsyncEngine) -> None:
    metrics = Metrics()
    inbox = Inbox(engine, metrics)

    async def processor(payload: dict[str, Any]) -> None:
        raise ValueError("a bug")

    inbox.register("telegram", processor)
    await inbox.accept("telegram", "1", {"n": 1})
    await inbox.drain()
    assert await rows(engine) == [("1", "failed", 1)]
    assert metrics.processed.labels("telegram", "failed")._value.get() == 1


async def test_nul_characters_are_removed_where_deliveries_enter(engine: AsyncEngine) -> None:
    inbox = Inbox(engine)
    seen: list[dict[str, Any]] = []

    async def processor(payload: dict[str, Any]) -> None:
        seen.append(payload)

    inbox.register("whatsapp", processor)
    await inbox.accept("whatsapp", "wamid.1\x00", {"text": "сәлем\x00", "name": "Ай\x00гүл", "bad": "\ud800"},
                       order_key="7701\x00")
    await inbox.drain()
    assert seen == [{"text": "сәлем", "name": "Айгүл", "bad": "\ufffd"}]
    async with engine.connect() as conn:
        stored = (await conn.execute(select(InboundEvent.event_key, InboundEvent.order_key,
                                            InboundEvent.payload))).one()
    assert stored.event_key == "wamid.1" and stored.order_key == "7701" and "\\u0000" not in stored.payload


async def test_an_id_too_long_for_its_column_is_refused_with_a_log_line(
        engine: AsyncEngine, caplog: pytest.LogCaptureFixture) -> None:
    metrics = Metrics()
    inbox = Inbox(engine, metrics)
    inbox.register("whatsapp", lambda payload: asyncio.sleep(0))  # type: ignore[arg-type,return-value]

    assert await inbox.accept("whatsapp", "wamid.2", {}, order_key="7" * 33) is False
    assert await inbox.accept("whatsapp", "w" * 129, {}, order_key="7701") is False
    assert await rows(engine) == []
    assert "refused a whatsapp delivery with a chat id of 33 characters" in caplog.text
    assert metrics.refused.labels("whatsapp")._value.get() == 2


async def test_a_restarted_instance_takes_back_its_own_unfinished_work_at_once(engine: AsyncEngine) -> None:
    claimed_just_now = utcnow() - dt.timedelta(seconds=1)
    async with engine.begin() as conn:  # two rows claimed a moment ago: one by us before a kill -9, one by another
        await conn.execute(InboundEvent.__table__.insert(), [
            {"channel": "telegram", "event_key": str(n), "order_key": str(n), "payload": f'{{"n": {n}}}',
             "status": "processing", "attempts": 1, "error": "", "received_at": claimed_just_now,
             "processed_at": claimed_just_now, "owner": owner}
            for n, owner in ((1, "desk-a:8080"), (2, "desk-b:8080"))])
    seen: list[int] = []

    async def processor(payload: dict[str, Any]) -> None:
        seen.append(payload["n"])

    restarted = Inbox(engine, lease=300, owner="desk-a:8080")
    restarted.register("telegram", processor)
    assert await restarted.recover() == 1  # its own, without waiting for the lease
    await restarted.drain()
    assert seen == [1]
    assert await rows(engine) == [("1", "done", 2), ("2", "processing", 1)]  # the other's waits for its lease
