"""`serve --workers N`: N processes share the port (SO_REUSEPORT), each a full instance."""

from __future__ import annotations

import asyncio
import re
import signal
from pathlib import Path

import aiohttp
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app import cli
from bot.app.config import Settings
from bot.db.models import InboundEvent
from tests.faults.serve import Served, SlowBotAPI
from tests.faults.test_serve_process import help_update

pytestmark = pytest.mark.slow
UPDATES = re.compile(r'^desk_updates_received_total\{channel="telegram"\} (\S+)$', re.M)



async def received(url: str) -> int:
    """The telegram updates counted by whichever worker answers this new connection."""
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(force_close=True)) as session, \
            session.get(url + "/metrics") as response:
        found = UPDATES.search(await response.text())
        return int(float(found.group(1))) if found else 0


async def test_two_workers_both_answer_and_every_update_is_handled_once(
        engine: AsyncEngine, settings: Settings, served_bot_api: SlowBotAPI, tmp_path: Path) -> None:
    server = Served(settings.database_url, served_bot_api.url, tmp_path, workers=2)
    chats: list[int] = []
    try:
        await server.start()  # answers once one worker listens; the other may still be loading

        async def deliver(chat: int) -> int:  # a new connection each: the kernel picks a worker per connection
            async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(force_close=True)) as session:
                return await server.post(session, help_update(chat))

        async with asyncio.timeout(60):
            counts: set[int] = set()
            while len(counts) < 2 or 0 in counts:  # waves of 20 until both workers took some, unequal shares
                wave = list(range(9000 + len(chats), 9020 + len(chats)))
                assert await asyncio.gather(*(deliver(c) for c in wave)) == [200] * len(wave)
                chats += wave
                counts = {await received(server.url) for _ in range(30)}  # each worker counts its own
        assert sum(counts) == len(chats), counts
        async with asyncio.timeout(20):
            while served_bot_api.replies_by_chat() != dict.fromkeys(chats, 1):
                await asyncio.sleep(0.1)
        server.signal(signal.SIGTERM)
        assert await server.wait() == 0
    finally:
        await server.stop()
    assert served_bot_api.replies_by_chat() == dict.fromkeys(chats, 1)
    async with engine.connect() as conn:
        statuses = (await conn.execute(select(InboundEvent.status))).scalars().all()
    assert statuses == ["done"] * len(chats)


def test_workers_must_be_positive_and_polling_stays_in_one_process(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.run(["serve", "--workers", "0"]) == 2
    assert cli.run(["serve", "--workers", "2", "--polling"]) == 2
    assert "--polling runs in one process" in capsys.readouterr().err
