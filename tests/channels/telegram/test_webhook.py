"""The webhook: secret first, stored before the 200, each update handled once, errors contained."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from bot.app.config import Settings
from bot.app.web import SERVICES, create_app
from bot.db.models import InboundEvent, OutboundMessage, utcnow
from handlers import Translator
from knowledge import Matcher
from tests.channels.telegram.chat import TelegramUser, message
from tests.channels.telegram.fake_api import FakeBotAPI
from tests.clock import FakeClock

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
def clock(user: TelegramUser) -> FakeClock:
    """The clock of the messages kept for a later try: tests move it instead of sleeping."""
    assert user.services.outbound is not None
    clock = user.services.outbound.clock = FakeClock(utcnow())
    return clock


async def kept(user: TelegramUser) -> list[dict[str, Any]]:
    """The calls made by sending the kept messages that are due now."""
    mark = len(user.api.calls)
    assert user.services.outbound is not None
    await user.services.outbound.drain()
    return user.api.calls[mark:]


async def kept_statuses(engine: AsyncEngine) -> list[str]:
    async with engine.connect() as conn:
        return list((await conn.execute(select(OutboundMessage.status).order_by(OutboundMessage.id))).scalars())


async def test_a_flood_limit_is_waited_out_however_long_and_the_answer_sent_once(
        user: TelegramUser, engine: AsyncEngine, clock: FakeClock) -> None:
    user.api.fail("sendMessage", 429, "Too Many Requests: retry after 90", retry_after=90)

    assert await user.says("/help") == [message(CHAT, HELP)]  # refused, and kept
    assert [e.status for e in await events(engine)] == ["done"]
    clock.advance(seconds=89)
    assert await user.says("/help") == []  # the next answer queues behind it: the chat's order holds
    clock.advance(seconds=1)
    assert await kept(user) == [message(CHAT, HELP)] * 2
    assert await kept(user) == []
    assert await kept_statuses(engine) == ["sent", "sent"]


async def test_server_errors_are_retried_with_back_off_and_failed_at_the_deadline(
        user: TelegramUser, engine: AsyncEngine, clock: FakeClock, caplog: pytest.LogCaptureFixture) -> None:
    assert user.services.outbound is not None
    user.services.outbound.deadline = dt.timedelta(seconds=10)
    for _ in range(5):
        user.api.fail("sendMessage", 500, "Internal Server Error")

    assert await user.says("/help") == [message(CHAT, HELP)]
    for pause in (1, 2, 4):  # back-off doubles
        clock.advance(seconds=pause - 0.1)
        assert await kept(user) == []
        clock.advance(seconds=0.1)
        assert await kept(user) == [message(CHAT, HELP)]
    assert await kept_statuses(engine) == ["pending"]
    clock.advance(seconds=8)  # past the deadline: this try is the last
    assert await kept(user) == [message(CHAT, HELP)]
    assert await kept_statuses(engine) == ["failed"]
    assert "failed for good" in caplog.text


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
