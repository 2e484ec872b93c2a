"""A real `serve` process: SIGTERM loses nothing, kill -9 loses nothing, a missing database stops the start."""

from __future__ import annotations

import asyncio
import itertools
import signal
import time
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app.config import Settings
from bot.db.models import InboundEvent
from tests.channels.telegram.chat import TelegramUser
from tests.faults.serve import Served, SlowBotAPI, free_port

pytestmark = pytest.mark.slow
update_ids = itertools.count(900_000)



def help_update(chat: int) -> dict[str, Any]:
    """One private chat asking /help: its answer is exactly one sendMessage to that chat."""
    user = TelegramUser(None, None, None, id=chat, update_ids=update_ids)  # type: ignore[arg-type]
    return user.text_update("/help")


async def events(engine: AsyncEngine) -> dict[int, str]:
    """chat -> status of its one stored update."""
    async with engine.connect() as conn:
        rows = await conn.execute(select(InboundEvent.order_key, InboundEvent.status))
        return {int(key): status for key, status in rows}


async def test_sigterm_stops_listening_finishes_the_work_in_hand_and_exits_0(
        engine: AsyncEngine, settings: Settings, served_bot_api: SlowBotAPI, tmp_path: Path) -> None:
    served_bot_api.delay = 1.0  # every answer is still on its way when the signal comes
    server = Served(settings.database_url, served_bot_api.url, tmp_path)
    chats = range(7000, 7020)
    try:
        await server.start()
        async with aiohttp.ClientSession() as session:
            acks = await asyncio.gather(*(server.post(session, help_update(c)) for c in chats))
            assert acks == [200] * len(chats)
            server.signal(signal.SIGTERM)
            await asyncio.sleep(0.4)
            assert server.process is not None and server.process.returncode is None  # still finishing
            assert await server.post(session, help_update(7999)) == 0  # but no longer listening
        assert await server.wait() == 0
    finally:
        await server.stop()
    assert served_bot_api.replies_by_chat() == dict.fromkeys(chats, 1)
    assert set((await events(engine)).values()) == {"done"}


async def test_kill_9_in_a_burst_then_restart_answers_every_stored_update(
        engine: AsyncEngine, settings: Settings, served_bot_api: SlowBotAPI, tmp_path: Path) -> None:
    served_bot_api.delay = 0.05
    # The default 300-s lease: the restarted instance knows its own rows by its identity.
    same_instance = {"instance_id": "desk-1", "inbox_sweep_seconds": "1"}
    chats = list(range(8000, 8080))
    updates = {chat: help_update(chat) for chat in chats}
    first = Served(settings.database_url, served_bot_api.url, tmp_path, **same_instance)
    try:
        await first.start()
        async with aiohttp.ClientSession() as session:
            gate = asyncio.Semaphore(16)

            async def deliver(chat: int) -> int:
                async with gate:
                    return await first.post(session, updates[chat])

            burst = asyncio.gather(*(deliver(c) for c in chats))
            async with asyncio.timeout(15):
                while len(served_bot_api.replies_by_chat()) < 10:
                    await asyncio.sleep(0.01)
            first.signal(signal.SIGKILL)
            acks = dict(zip(chats, await burst, strict=True))
        await first.wait()
    finally:
        await first.stop()

    at_kill = await events(engine)
    in_flight = {chat for chat, status in at_kill.items() if status == "processing"}
    answered_before = served_bot_api.replies_by_chat()

    second = Served(settings.database_url, served_bot_api.url, tmp_path, **same_instance)
    try:
        await second.start()
        async with aiohttp.ClientSession() as session:  # the platform retries what was not acknowledged
            for chat in chats:
                if acks[chat] != 200:
                    assert await second.post(session, updates[chat]) == 200
        restarted = time.monotonic()
        async with asyncio.timeout(20):
            while (set((await events(engine)).values()) != {"done"}
                   or len(served_bot_api.replies_by_chat()) < len(chats)):
                await asyncio.sleep(0.1)
        caught_up = time.monotonic() - restarted
    finally:
        await second.stop()

    replies = served_bot_api.replies_by_chat()
    repeated = {chat for chat, count in replies.items() if count > 1}
    print(f"\nkill -9: {sum(a == 200 for a in acks.values())} acknowledged, {len(answered_before)} answered "
          f"before the kill, {len(in_flight)} in flight, {len(repeated)} answered twice, all answered "
          f"{caught_up:.1f} s after the restart was up")
    assert set(replies) == set(chats)  # every update answered
    assert repeated <= in_flight  # a repeat only where the kill cut the work in hand
    assert max(replies.values()) <= 2
    assert caught_up < 10  # its own unfinished rows taken back at once, not after the lease


async def test_serve_with_an_unreachable_database_exits_1_with_a_clear_message(
        served_bot_api: SlowBotAPI, tmp_path: Path) -> None:
    port = free_port()  # nothing listens there
    url = f"postgresql+asyncpg://desk:secret@127.0.0.1:{port}/desk"
    server = Served(url, served_bot_api.url, tmp_path)
    try:
        await server.launch()
        assert await server.wait(timeout=30) == 1
    finally:
        await server.stop()
    message = await server.stderr()
    assert (f"civic-desk cannot start: the database at postgresql+asyncpg://desk:***@127.0.0.1:{port}/desk "
            "is unreachable") in message
    assert "secret" not in message and "Traceback" not in message
