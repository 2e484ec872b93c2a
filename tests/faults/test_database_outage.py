"""PostgreSQL lost in the middle of the run (through a proxy the test controls): the webhook
answers 503 so the platform retries, readiness says why, and the desk recovers by itself."""

from __future__ import annotations

import asyncio

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app.compose import make_engine
from bot.app.config import Settings
from bot.app.web import SERVICES, create_app
from bot.db.liveness import IDLE_BEFORE_PING
from knowledge import Matcher
from tests.channels.telegram.chat import TelegramUser
from tests.channels.telegram.fake_api import FakeBotAPI
from tests.faults.proxy import Proxy

pytestmark = pytest.mark.slow


async def test_a_lost_database_is_503_then_recovered_without_a_restart(
        tg_settings: Settings, engine: AsyncEngine, matcher: Matcher, bot_api: FakeBotAPI, proxy: Proxy) -> None:
    through_proxy = make_url(tg_settings.database_url).set(host="127.0.0.1", port=proxy.port)
    settings = tg_settings.model_copy(update={"database_url": through_proxy.render_as_string(False)})
    desk_engine = make_engine(settings)
    app = create_app(settings, desk_engine, matcher)
    try:
        async with TestClient(TestServer(app)) as client:
            user = TelegramUser(client, bot_api, app[SERVICES])
            assert [c["method"] for c in await user.says("/help")] == ["sendMessage"]

            await proxy.down()
            lost = user.text_update("/menu")
            assert await user.post(lost) == 503  # Telegram will deliver it again
            ready = await client.get("/readyz")
            assert ready.status == 503
            assert (await ready.json())["problems"][0].startswith("database unreachable")

            await proxy.up()
            assert (await client.get("/readyz")).status == 200
            assert [c["method"] for c in await user.deliver(lost)] == ["sendMessage"]
            assert await user.deliver(lost) == []  # and still only once
    finally:
        await desk_engine.dispose()




async def test_a_connection_that_sat_idle_through_a_restart_is_replaced_unnoticed(
        settings: Settings, engine: AsyncEngine, proxy: Proxy) -> None:
    """Idle pooled connections are pinged before use (busy ones are not: a failure discards the pool)."""
    through_proxy = make_url(settings.database_url).set(host="127.0.0.1", port=proxy.port)
    desk_engine = make_engine(settings.model_copy(update={"database_url": through_proxy.render_as_string(False)}))
    try:
        async with desk_engine.connect() as conn:
            assert await conn.scalar(text("SELECT 1")) == 1
        await proxy.down()  # the pooled connection dies while it rests
        await proxy.up()
        await asyncio.sleep(IDLE_BEFORE_PING + 0.1)
        async with desk_engine.connect() as conn:
            assert await conn.scalar(text("SELECT 1")) == 1
    finally:
        await desk_engine.dispose()
