"""Operations through the real application: readiness, metrics, flood control, a database outage."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import select, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from bot.app.config import Settings
from bot.app.web import SERVICES, create_app
from bot.db.models import InboundEvent, Question
from bot.ops.health import problems
from handlers import Translator
from knowledge import Matcher
from tests.channels.telegram.chat import TelegramUser
from tests.channels.telegram.fake_api import FakeBotAPI
from tests.channels.whatsapp.fake_graph import FakeGraph
from tests.channels.whatsapp.meta import USER, WhatsApp, message, payload

FLOOD = ("You are sending messages too quickly, so I will pause for a minute. "
         "Your messages are saved; please write again shortly.")
QUESTIONS = ["Как подать заявку на грант?", "что такое госсоцзаказ", "как попасть в общественный совет",
             "сроки базы данных НПО", "кто может получить грант", "что такое премия для НПО"]


async def question_log(engine: AsyncEngine) -> list[tuple[str, str]]:
    async with engine.connect() as conn:
        rows = await conn.execute(select(Question.text, Question.decision).order_by(Question.id))
        return [tuple(row) for row in rows]  # type: ignore[misc]


# -- readiness ------------------------------------------------------------------------------

async def test_ready_when_the_database_is_current(client: TestClient[Any, Any]) -> None:
    response = await client.get("/readyz")
    assert response.status == 200
    assert await response.json() == {"status": "ready"}


async def test_not_ready_on_an_old_schema_or_an_unreachable_database(tmp_path: Any) -> None:
    empty = create_async_engine(f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}")
    gone = create_async_engine(f"sqlite+aiosqlite:///{tmp_path / 'no' / 'such' / 'dir.db'}")
    try:
        [old] = await problems(empty, None)
        [unreachable] = await problems(gone, None)
    finally:
        await empty.dispose()
        await gone.dispose()
    assert old.startswith("database schema at nothing, the desk needs ") and "db upgrade" in old
    assert unreachable == "database unreachable: OperationalError"


async def test_a_schema_migrated_by_a_newer_version_keeps_the_instance_ready(engine: AsyncEngine) -> None:
    """A rolling upgrade: the database is migrated first, old instances keep serving until replaced."""
    for revision, ready in (("9999", True), ("0001", False)):
        async with engine.begin() as conn:
            await conn.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": revision})
        assert (await problems(engine, None) == []) is ready


async def test_not_ready_while_the_configured_redis_is_down(
        tg_settings: Settings, engine: AsyncEngine, matcher: Matcher) -> None:
    settings = tg_settings.model_copy(update={"redis_url": "redis://127.0.0.1:1/0"})
    async with TestClient(TestServer(create_app(settings, engine, matcher))) as client:
        response = await client.get("/readyz")
        assert response.status == 503
        assert await response.json() == {"status": "unavailable",
                                         "problems": ["redis unreachable: ConnectionError"]}
        assert (await client.get("/healthz")).status == 200  # alive, only not ready


# -- metrics --------------------------------------------------------------------------------

def sample(text: str, name: str) -> float:
    """The value of one series line, e.g. 'desk_decisions_total{kind="answer"}'."""
    for line in text.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[-1])
    raise AssertionError(f"{name} not in the metrics")


async def test_metrics_count_updates_decisions_match_time_and_outbound_errors(
        user: TelegramUser, client: TestClient[Any, Any]) -> None:
    await user.says("Как подать заявку на грант?")
    update = user.text_update("/help")
    await user.deliver(update)
    await user.deliver(update)  # a repeated delivery
    user.api.fail("sendMessage", 403, "Forbidden: bot was blocked by the user")
    await user.says("/menu")

    response = await client.get("/metrics")
    assert response.status == 200 and response.content_type == "text/plain"
    text = await response.text()
    assert sample(text, 'desk_updates_received_total{channel="telegram"}') == 3
    assert sample(text, 'desk_updates_duplicate_total{channel="telegram"}') == 1
    assert sample(text, 'desk_updates_processed_total{channel="telegram",status="done"}') == 3
    assert sample(text, 'desk_decisions_total{kind="answer"}') == 1
    assert sample(text, "desk_match_seconds_count") == 1
    assert sample(text, 'desk_outbound_errors_total{channel="telegram",reason="TelegramForbiddenError"}') == 1
    assert sample(text, 'desk_inbox_depth{status="pending"}') == 0


async def test_other_parts_add_their_series_to_the_registry(client: TestClient[Any, Any]) -> None:
    from prometheus_client import Gauge

    metrics = client.app[SERVICES].metrics  # type: ignore[index]
    tickets = Gauge("desk_open_tickets", "Tickets waiting for a consultant", registry=metrics.registry)

    async def count_tickets() -> None:
        tickets.set(4)

    metrics.on_scrape(count_tickets)
    assert sample(await (await client.get("/metrics")).text(), "desk_open_tickets") == 4


# -- flood control ----------------------------------------------------------------------------

@pytest.fixture
def tg_settings_limited(tg_settings: Settings) -> Settings:
    return tg_settings.model_copy(update={"rate_limit_per_minute": 3})


async def test_a_flooding_telegram_user_is_told_once_and_everything_is_kept(
        tg_settings_limited: Settings, engine: AsyncEngine, matcher: Matcher, bot_api: FakeBotAPI) -> None:
    app = create_app(tg_settings_limited, engine, matcher)
    async with TestClient(TestServer(app)) as client:
        user = TelegramUser(client, bot_api, app[SERVICES], language_code="ru")
        replies = [await user.says(text) for text in QUESTIONS]
        presses = await user.presses("menu")  # a button too: the spinner stops, nothing else

    assert all(replies[:3])
    notice = Translator()("ru")(FLOOD)
    assert notice != FLOOD and [c["params"]["text"] for c in replies[3]] == [notice]
    assert replies[4:] == [[], []]
    assert [c["method"] for c in presses] == ["answerCallbackQuery"]
    log = await question_log(engine)
    assert [text for text, _ in log] == QUESTIONS  # all kept, the held-back ones too
    assert [decision for _, decision in log][3:] == ["limited"] * 3
    async with engine.connect() as conn:
        assert len((await conn.execute(select(InboundEvent.id))).all()) == 7


async def test_a_flooding_whatsapp_user_is_told_once_in_their_language(
        wa_settings: Settings, engine: AsyncEngine, matcher: Matcher, graph: FakeGraph,
        aiohttp_client: Any) -> None:
    limited = wa_settings.model_copy(update={"rate_limit_per_minute": 2})
    whatsapp = WhatsApp(await aiohttp_client(create_app(limited, engine, matcher)), graph)
    replies = [await whatsapp.say(text) for text in QUESTIONS[:5]]

    assert all(replies[:2])
    assert replies[2] == [{"messaging_product": "whatsapp", "recipient_type": "individual",
                           "to": "+77011234567", "type": "text",
                           "text": {"body": Translator()("ru")(FLOOD)}}]
    assert replies[3:] == [[], []]
    assert len(graph.reads()) == 5  # every message is still marked read


# -- a database outage ------------------------------------------------------------------------

async def test_webhooks_answer_503_while_the_database_is_away_and_recover(
        user: TelegramUser, whatsapp: WhatsApp, monkeypatch: pytest.MonkeyPatch) -> None:
    async def database_gone(*args: Any, **kwargs: Any) -> bool:
        raise OperationalError("INSERT", {}, ConnectionRefusedError("connection refused"))

    update = user.text_update("/help")
    for inbox in (user.services.inbox, whatsapp.services.inbox):
        monkeypatch.setattr(inbox, "accept", database_gone)
    response = await user.client.post("/webhook/telegram", json=update,
                                      headers={"X-Telegram-Bot-Api-Secret-Token": "test-secret_42"})
    assert response.status == 503 and response.headers["Retry-After"] == "5"
    delivery = payload(message(USER, whatsapp.wamid(), "text", {"body": "тіл"}))
    assert await whatsapp.post(delivery) == 503 and whatsapp.graph.requests == []

    monkeypatch.undo()  # the database is back: the platform's retry goes through
    assert [c["method"] for c in await user.deliver(update)] == ["sendMessage"]
    assert await whatsapp.post(delivery) == 200
    assert [s["type"] for s in whatsapp.graph.sends()] == ["interactive"]
