"""The fake platforms every end-to-end test talks to, on 127.0.0.1 (a pytest plugin).

`bot_api` is a fake Telegram Bot API server, `graph` a fake WhatsApp Graph API
server; the desk is pointed at them through its settings, as in production.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiogram.client.session.aiohttp import AiohttpSession
from aiohttp.test_utils import TestServer

from tests.channels.telegram.chat import TOKEN
from tests.channels.telegram.fake_api import FakeBotAPI
from tests.channels.whatsapp.fake_graph import FakeGraph


@pytest.fixture
async def bot_api() -> AsyncIterator[FakeBotAPI]:
    api = FakeBotAPI(TOKEN)
    async with TestServer(api.app, host="127.0.0.1") as server:
        api.url = str(server.make_url("")).rstrip("/")
        yield api


@pytest.fixture
async def graph() -> AsyncIterator[FakeGraph]:
    fake = FakeGraph()
    async with TestServer(fake.app, host="127.0.0.1") as server:
        fake.url = str(server.make_url("")).rstrip("/")
        yield fake


@pytest.fixture
def no_ssl_grace_period(monkeypatch: pytest.MonkeyPatch) -> None:
    """aiogram waits 250 ms after closing its session for SSL; the fake API is plain HTTP."""
    async def close(self: AiohttpSession) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()

    monkeypatch.setattr(AiohttpSession, "close", close)
