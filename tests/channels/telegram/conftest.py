"""The real aiohttp application with the Telegram channel, against a fake Bot API server."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiogram.client.session.aiohttp import AiohttpSession
from aiohttp.test_utils import TestClient, TestServer
from pydantic import SecretStr
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.config import Settings
from bot.web import SERVICES, create_app
from knowledge import Matcher
from tests.channels.telegram.chat import SECRET, TOKEN, TelegramUser
from tests.channels.telegram.fake_api import FakeBotAPI


@pytest.fixture
async def bot_api() -> AsyncIterator[FakeBotAPI]:
    api = FakeBotAPI(TOKEN)
    async with TestServer(api.app, host="127.0.0.1") as server:
        api.url = str(server.make_url("")).rstrip("/")
        yield api


@pytest.fixture
def tg_settings(settings: Settings, bot_api: FakeBotAPI) -> Settings:
    return settings.model_copy(update={
        "telegram_token": SecretStr(TOKEN), "telegram_api_url": bot_api.url,
        "telegram_webhook_secret": SecretStr(SECRET), "public_url": ""})


@pytest.fixture
def desk_matcher(matcher: Matcher) -> Matcher:
    """The real knowledge base; a test may override this fixture with a variant of it."""
    return matcher


@pytest.fixture
async def client(tg_settings: Settings, engine: AsyncEngine,
                 desk_matcher: Matcher) -> AsyncIterator[TestClient[Any, Any]]:
    app = create_app(tg_settings, engine, desk_matcher)
    async with TestClient(TestServer(app)) as client:
        yield client


@pytest.fixture
def user(client: TestClient[Any, Any], bot_api: FakeBotAPI) -> TelegramUser:
    return TelegramUser(client, bot_api, client.app[SERVICES])  # type: ignore[index]


@pytest.fixture(autouse=True)
def no_ssl_grace_period(monkeypatch: pytest.MonkeyPatch) -> None:
    """aiogram waits 250 ms after closing its session for SSL; the fake API is plain HTTP."""
    async def close(self: AiohttpSession) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()

    monkeypatch.setattr(AiohttpSession, "close", close)
