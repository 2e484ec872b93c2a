"""The real aiohttp application with the Telegram channel, against a fake Bot API server."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from pydantic import SecretStr
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app.config import Settings
from bot.app.web import SERVICES, create_app
from knowledge import Matcher
from tests.channels.telegram.chat import SECRET, TOKEN, TelegramUser
from tests.channels.telegram.fake_api import FakeBotAPI


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
def _fast_close(no_ssl_grace_period: None) -> None:
    """Every test here closes aiogram's session at once."""
