"""The webhook: secret first, stored before the 200, each update handled once, errors contained."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from bot.channels.telegram import sender
from bot.config import Settings
from bot.db.models import InboundEvent
from bot.web import SERVICES, create_app
from handlers import Translator
from knowledge import Matcher
from tests.channels.telegram.chat import TelegramUser, message
from tests.channels.telegram.fake_api import FakeBotAPI

CHAT = 4242
kk = Translator()("kk")
HELP = kk("Type your question in Kazakh or Russian, or use the commands:\n"
          "/menu: topics\n/lang: language\n/help: this help")


async def events(engine: AsyncEngine) -> list[InboundEvent]:
    async with async_sessionmaker(engine)() as session:
        return list((await session.scalars(select(InboundEvent).order_by(InboundEvent.id))).all())


async def test_a_wrong_or_missing_secret_is_401_and_nothing_happens(
        user: TelegramUser, engine: AsyncEngine) -> None:
    for secret in (None, "", "wrong-secret", "test-secret_4", "TEST-SECRET_42", "test-secret_42x"):
        assert await user.post(user.text_update("/start"), secret=secret) == 401, secret
    await user.services.inbox.drain()

    assert user.api.calls == []
    assert await events(engine) == []


async def test_what_is_not_an_update_is_400(user: TelegramUser, engine: AsyncEngine) -> None:
    for body in (b"{not json", b"\xff\xfe", b"[]", b'"update"', b"{}", b'{"update_id": "7"}',
                 b'{"update_id": true}', b'{"message": {"text": "hi"}}'):
        assert await user.post(None, raw=body) == 400, body
    await user.services.inbox.drain()

    assert user.api.calls == []
    assert await events(engine) == []


async def test_a_duplicate_delivery_is_acknowledged_and_answered_once(
        user: TelegramUser, engine: AsyncEngine) -> None:
    update = user.text_update("/help")

    assert await user.deliver(update) == [message(CHAT, HELP)]
    assert await user.deliver(update) == []

    [event] = await events(engine)
    assert (event.channel, event.event_key, event.order_key, event.status) == (
        "telegram", str(update["update_id"]), str(CHAT), "done")
    assert json.loads(event.payload) == update


async def test_the_update_is_stored_before_the_200(user: TelegramUser, engine: AsyncEngine) -> None:
    update = user.text_update("/help")

    assert await user.post(update) == 200
    [event] = await events(engine)  # already there, whether or not it is processed yet
    assert event.event_key == str(update["update_id"])
    await user.services.inbox.drain()


async def test_an_update_stored_before_a_crash_is_answered_at_start(
        tg_settings: Settings, engine: AsyncEngine, matcher: Matcher, bot_api: FakeBotAPI) -> None:
    update = TelegramUser(None, bot_api, None).text_update("/help")  # type: ignore[arg-type]
    async with async_sessionmaker(engine).begin() as session:  # acknowledged, then the crash
        session.add(InboundEvent(channel="telegram", event_key=str(update["update_id"]),
                                 order_key=str(CHAT), payload=json.dumps(update)))

    app = create_app(tg_settings, engine, matcher)
    async with TestClient(TestServer(app)) as client:
        await client.app[SERVICES].inbox.drain()  # type: ignore[index]

    assert bot_api.calls == [message(CHAT, HELP)]
    assert [e.status for e in await events(engine)] == ["done"]


@pytest.fixture
def waits(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The flood-limit waits, recorded instead of slept."""
    waited: list[float] = []

    async def pause(seconds: float) -> None:
        waited.append(seconds)

    monkeypatch.setattr(sender, "pause", pause)
    return waited


async def test_flood_limit_is_waited_out_and_retried(user: TelegramUser, waits: list[float]) -> None:
    user.api.fail("sendMessage", 429, "Too Many Requests: retry after 7", retry_after=7)

    assert await user.says("/help") == [message(CHAT, HELP)] * 2
    assert waits == [7]


async def test_a_flood_limit_that_persists_is_given_up(user: TelegramUser, engine: AsyncEngine,
                                                       waits: list[float]) -> None:
    for _ in range(3):
        user.api.fail("sendMessage", 429, "Too Many Requests: retry after 2", retry_after=2)
    user.api.fail("sendMessage", 429, "Too Many Requests: retry after 3600", retry_after=3600)

    assert await user.says("/help") == [message(CHAT, HELP)] * 3  # three tries, then give up
    assert await user.says("/help") == [message(CHAT, HELP)]  # an hour is not waited for
    assert waits == [2, 2]
    assert [e.status for e in await events(engine)] == ["done", "done"]


async def test_api_errors_are_logged_and_the_next_update_still_served(
        user: TelegramUser, engine: AsyncEngine, caplog: pytest.LogCaptureFixture) -> None:
    user.api.fail("sendMessage", 403, "Forbidden: bot was blocked by the user")
    user.api.fail("answerCallbackQuery", 400, "Bad Request: query is too old")

    # The greeting fails: the rest of /start is dropped, not sent out of context.
    assert [c["method"] for c in await user.says("/start")] == ["sendMessage"]
    assert [c["method"] for c in await user.presses("menu")] == ["answerCallbackQuery",
                                                                 "sendMessage"]
    assert await user.says("/help") == [message(CHAT, HELP)]
    assert [e.status for e in await events(engine)] == ["done"] * 3
    assert "bot was blocked by the user" in caplog.text
    assert "query is too old" in caplog.text


async def test_an_update_aiogram_cannot_read_fails_alone(user: TelegramUser,
                                                         engine: AsyncEngine) -> None:
    broken: dict[str, Any] = {"update_id": 77, "message": {"text": "no chat, no date"}}

    assert await user.deliver(broken) == []
    assert await user.says("/help") == [message(CHAT, HELP)]
    assert [e.status for e in await events(engine)] == ["failed", "done"]


async def test_health_check_still_answers(client: TestClient[Any, Any]) -> None:
    response = await client.get("/healthz")
    assert response.status == 200
    assert await response.json() == {"status": "ok"}
