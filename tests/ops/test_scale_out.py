"""Two `serve` instances on one database: a delivery that reaches both is handled once,
and a chat's messages are answered in order whichever instance each one reached."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app.compose import make_engine
from bot.app.config import Settings
from bot.app.web import SERVICES, create_app
from bot.db.models import InboundEvent
from handlers import Translator
from knowledge import Matcher
from tests.channels.telegram.chat import TelegramUser
from tests.channels.telegram.fake_api import FakeBotAPI

kk = Translator()("kk")


@pytest.fixture
async def instances(tg_settings: Settings, engine: AsyncEngine, matcher: Matcher
                    ) -> AsyncIterator[list[TestClient[Any, Any]]]:
    """Two applications, each with its own engine (its own connections), on the one database."""
    clients, engines = [], []
    for _ in range(2):
        own = make_engine(tg_settings)
        client = TestClient(TestServer(create_app(tg_settings, own, matcher)))
        await client.start_server()
        clients.append(client)
        engines.append(own)
    yield clients
    for client in clients:
        await client.close()
    for own in engines:
        await own.dispose()


async def drain(clients: list[TestClient[Any, Any]]) -> None:
    await asyncio.gather(*(c.app[SERVICES].inbox.drain() for c in clients))  # type: ignore[index]


async def post(client: TestClient[Any, Any], update: dict[str, Any]) -> int:
    return await TelegramUser(client, FakeBotAPI(""), None).post(update)  # type: ignore[arg-type]


async def test_updates_delivered_to_both_instances_are_answered_once(
        instances: list[TestClient[Any, Any]], bot_api: FakeBotAPI, engine: AsyncEngine) -> None:
    users = [TelegramUser(instances[0], bot_api, None, id=5000 + n,  # type: ignore[arg-type]
                          update_ids=itertools.count(700_000 + 10 * n)) for n in range(10)]
    updates = [user.text_update("/help") for user in users]
    # Every update reaches both instances at once (a retry racing the first delivery).
    answers = await asyncio.gather(*(post(client, update) for update in updates for client in instances))
    await drain(instances)

    assert set(answers) == {200}
    chats = sorted(call["params"]["chat_id"] for call in bot_api.sent())
    assert chats == [user.id for user in users]  # one answer per update, none twice
    async with engine.connect() as conn:
        rows = (await conn.execute(select(InboundEvent.status))).scalars().all()
    assert rows == ["done"] * len(updates)


async def test_one_chats_messages_alternating_between_instances_are_answered_in_order(
        instances: list[TestClient[Any, Any]], bot_api: FakeBotAPI) -> None:
    user = TelegramUser(instances[0], bot_api, None)  # type: ignore[arg-type]
    commands = ["/help", "/lang", "/menu", "/help", "/lang", "/menu"]
    for n, command in enumerate(commands):  # stored one after another, processed concurrently
        assert await post(instances[n % 2], user.text_update(command)) == 200
    await drain(instances)
    for _ in range(3):  # a message that waited past its retries is picked up by a sweep
        await asyncio.gather(*(c.app[SERVICES].inbox.sweep() for c in instances))  # type: ignore[index]
        await drain(instances)

    firsts = {"/help": kk("Type your question in Kazakh or Russian, or use the commands:\n"
                          "/menu: topics\n/lang: language\n/help: this help"),
              "/lang": kk("Choose the language of the desk:"),
              "/menu": kk("Choose a topic, or just type your question:")}
    assert [call["params"]["text"] for call in bot_api.sent()] == [firsts[c] for c in commands]
