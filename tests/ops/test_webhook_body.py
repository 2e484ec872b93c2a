"""A stranger's slow or huge POST to /webhook/whatsapp holds neither memory nor a worker for long."""

from __future__ import annotations

import asyncio
import tracemalloc
from collections.abc import AsyncIterator

import aiohttp
import pytest
from aiohttp.test_utils import TestServer
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app.config import Settings
from bot.app.web import create_app
from bot.channels.whatsapp import body
from knowledge import Matcher

UPLOADS = 50
SIZE = 4 * 1024 * 1024
PIECE = b"x" * (64 * 1024)


async def trickle(size: int, pause: float) -> AsyncIterator[bytes]:
    for _ in range(size // len(PIECE)):
        yield PIECE
        await asyncio.sleep(pause)


async def upload(url: str, pause: float, *, declare: bool) -> int:
    headers = {"X-Hub-Signature-256": "sha256=" + "0" * 64, "Content-Type": "application/json"}
    if declare:
        headers["Content-Length"] = str(SIZE)
    async with aiohttp.ClientSession() as session:
        try:
            async with session.post(url, data=trickle(SIZE, pause), headers=headers) as response:
                return response.status
        except aiohttp.ClientError:  # the desk answered and closed before the rest was sent
            return 0


@pytest.mark.parametrize("declare", [False, True])
async def test_fifty_slow_4_mib_uploads_grow_memory_by_a_few_megabytes(
        wa_settings: Settings, engine: AsyncEngine, matcher: Matcher, declare: bool) -> None:
    async with TestServer(create_app(wa_settings, engine, matcher), host="127.0.0.1") as server:
        url = str(server.make_url("/webhook/whatsapp"))
        tracemalloc.start()
        try:
            baseline = tracemalloc.get_traced_memory()[0]
            statuses = await asyncio.gather(*(upload(url, 0.001, declare=declare) for _ in range(UPLOADS)))
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    assert set(statuses) <= {403, 413, 0}
    # Measured with the 50 clients in this same process: about 9 MiB (buffering each body: 210-220 MiB).
    growth_mib = (peak - baseline) / 2**20
    assert growth_mib < 16, f"{growth_mib:.1f} MiB for {UPLOADS} uploads of {SIZE >> 20} MiB"


async def test_a_body_that_does_not_arrive_in_time_is_refused(wa_settings: Settings, engine: AsyncEngine,
                                                             matcher: Matcher,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(body, "BODY_TIMEOUT", 0.5)
    async with TestServer(create_app(wa_settings, engine, matcher), host="127.0.0.1") as server:
        status = await upload(str(server.make_url("/webhook/whatsapp")), 0.2, declare=False)
    assert status in (408, 0)


async def test_a_short_body_read_at_once_is_refused_too_when_it_does_not_arrive_in_time(
        wa_settings: Settings, engine: AsyncEngine, matcher: Matcher, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(body, "BODY_TIMEOUT", 0.5)
    parts = (b'{"object": "whatsapp_business_account", ', b'"entry": []}')

    async def stalled() -> AsyncIterator[bytes]:
        yield parts[0]
        await asyncio.sleep(1.5)
        yield parts[1]

    headers = {"X-Hub-Signature-256": "sha256=" + "0" * 64, "Content-Type": "application/json",
               "Content-Length": str(sum(map(len, parts)))}  # declared, and far below body.IN_MEMORY
    async with TestServer(create_app(wa_settings, engine, matcher), host="127.0.0.1") as server, \
            aiohttp.ClientSession() as session:
        try:
            async with session.post(server.make_url("/webhook/whatsapp"), data=stalled(), headers=headers) as response:
                status = response.status
        except aiohttp.ClientError:  # the desk answered and closed before the rest was sent
            status = 0
    assert status in (408, 0)
