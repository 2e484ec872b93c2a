"""`drain` (tests, shutdown) sends what a lane ending during its look at the table made due."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.pipeline import outbound_table
from bot.pipeline.outbound import Outbound
from bot.pipeline.outcome import Outcome


async def test_drain_looks_again_when_a_lane_ended_while_it_read_the_table(
        engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch) -> None:
    sent: list[str] = []
    entered, looked = asyncio.Event(), asyncio.Event()

    async def send(chat_id: str, body: dict[str, Any]) -> Outcome:
        entered.set()
        await looked.wait()
        sent.append(body["text"])
        return Outcome.sent()

    outbound = Outbound(engine, {"telegram": send})
    look = outbound._cycle

    async def look_while_a_lane_ends() -> int:
        started = await look()  # "a" still claimed by the lane: nothing due
        if not looked.is_set():
            looked.set()
            await asyncio.gather(*outbound._lanes.values())  # the lane sends "a", marks it and ends
        return started

    monkeypatch.setattr(outbound, "_cycle", look_while_a_lane_ends)
    with outbound.collecting() as made:
        await outbound.put("telegram", "1", [{"text": "a"}, {"text": "b"}])
    async with engine.begin() as conn:  # both waiting in the table, due (as released held replies are)
        await conn.run_sync(outbound.store, made)
        await conn.execute(update(outbound_table.messages).values(status=outbound_table.PENDING))
    outbound._waiting.add(("telegram", "1"))
    outbound._start(("telegram", "1"))
    await entered.wait()  # the lane holds "a"

    await outbound.drain()
    assert sent == ["a", "b"]
