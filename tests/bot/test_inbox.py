"""The durable inbox: stored before acknowledged, handled once, recovered after a crash."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.db.models import InboundEvent
from bot.inbox import Inbox


async def test_a_delivery_is_processed_once_and_duplicates_are_refused(engine: AsyncEngine) -> None:
    seen: list[dict[str, Any]] = []
    inbox = Inbox(engine)

    async def processor(payload: dict[str, Any]) -> None:
        seen.append(payload)

    inbox.register("telegram", processor)
    assert await inbox.accept("telegram", "1", {"update_id": 1}) is True
    assert await inbox.accept("telegram", "1", {"update_id": 1}) is False
    await inbox.drain()
    assert seen == [{"update_id": 1}]
    async with engine.connect() as conn:
        assert (await conn.execute(select(InboundEvent.status))).scalar_one() == "done"


async def test_the_same_chat_is_processed_in_order(engine: AsyncEngine) -> None:
    order: list[int] = []
    inbox = Inbox(engine)

    async def slow_first(payload: dict[str, Any]) -> None:
        if payload["n"] == 1:
            await asyncio.sleep(0.05)
        order.append(payload["n"])

    inbox.register("whatsapp", slow_first)
    for n in (1, 2, 3):
        await inbox.accept("whatsapp", f"wamid.{n}", {"n": n}, order_key="7701")
    await inbox.drain()
    assert order == [1, 2, 3]


async def test_a_failing_delivery_is_recorded_and_does_not_stop_the_others(engine: AsyncEngine) -> None:
    inbox = Inbox(engine)
    handled: list[int] = []

    async def processor(payload: dict[str, Any]) -> None:
        if payload["n"] == 1:
            raise ValueError("boom")
        handled.append(payload["n"])

    inbox.register("telegram", processor)
    await inbox.accept("telegram", "1", {"n": 1})
    await inbox.accept("telegram", "2", {"n": 2})
    await inbox.drain()
    async with engine.connect() as conn:
        rows = (await conn.execute(select(InboundEvent.event_key, InboundEvent.status, InboundEvent.error)
                                   .order_by(InboundEvent.id))).all()
    assert handled == [2]
    assert [(r.event_key, r.status) for r in rows] == [("1", "failed"), ("2", "done")]
    assert rows[0].error == "ValueError: boom"


async def test_deliveries_left_pending_by_a_crash_are_processed_after_restart(engine: AsyncEngine) -> None:
    crashed = Inbox(engine)  # stores, then "dies" before its processor runs
    crashed.register("telegram", lambda payload: asyncio.sleep(3600))  # type: ignore[arg-type,return-value]
    await crashed.accept("telegram", "5", {"update_id": 5})
    for task in list(crashed._tasks):
        task.cancel()
    await asyncio.gather(*crashed._tasks, return_exceptions=True)

    seen: list[dict[str, Any]] = []
    restarted = Inbox(engine)

    async def processor(payload: dict[str, Any]) -> None:
        seen.append(payload)

    restarted.register("telegram", processor)
    assert await restarted.recover() == 1
    await restarted.drain()
    assert seen == [{"update_id": 5}]
