"""The suite's shared fixtures, one pytest plugin (registered in tests/conftest.py).

From the inside out: the database; the core on it; the fake platform servers on
127.0.0.1; each channel's application; the whole service with both channels and
the consultants' group. A folder's conftest.py only adds what its tests alone
need, or overrides a fixture with a variant (another knowledge folder, say).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from aiogram.client.session.aiohttp import AiohttpSession
from aiohttp.test_utils import TestClient, TestServer
from pydantic import SecretStr
from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from bot.app.config import Settings
from bot.app.web import SHELL, create_app
from bot.db import schema
from bot.db.dialect import sqlite_pragmas
from bot.db.store import SqlDeskStore
from bot.db.tickets import SqlTicketStore
from bot.pipeline.outbound import Outbound
from bot.pipeline.outbox import Outbox
from bot.pipeline.user_relays import UserRelays
from handlers import Channel, Desk, Team, Translator
from handlers.working_hours import WorkingHours
from knowledge import Matcher, load_base
from tests.channels.telegram.chat import SECRET, TOKEN, TelegramUser
from tests.channels.telegram.fake_api import FakeBotAPI
from tests.channels.whatsapp.fake_graph import FakeGraph
from tests.channels.whatsapp.meta import (
    ACCESS_TOKEN,
    API_VERSION,
    APP_SECRET,
    PHONE_NUMBER_ID,
    VERIFY_TOKEN,
    WhatsApp,
)
from tests.clock import FakeClock
from tests.faults.serve import SlowBotAPI, run_fake
from tests.service import GROUP, NATIONAL_ONLY, TEMPLATE, DeskService, knowledge_with_centres, running

# -- the database -------------------------------------------------------------------


def database_url(tmp_path: Path) -> str:
    """SQLite in a temporary file, or DESK_TEST_DATABASE_URL (e.g. the local PostgreSQL)."""
    return os.environ.get("DESK_TEST_DATABASE_URL") or f"sqlite+aiosqlite:///{tmp_path / 'desk.db'}"


async def reset_database(engine: AsyncEngine) -> None:
    """Drop every table so each test starts from an empty, freshly migrated database."""
    if engine.dialect.name == "postgresql":
        async with engine.begin() as conn:
            await conn.execute(text("DROP SCHEMA public CASCADE"))
            await conn.execute(text("CREATE SCHEMA public"))


@pytest.fixture(autouse=True)
def root_logging_restored() -> Iterator[None]:
    """A command run in-process (`serve` refusing to start) configures logging; the next test starts clean."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    # Pacing is timed in tests/ops/test_pacing.py; conversation scripts check words, not seconds.
    return Settings(database_url=database_url(tmp_path), _env_file=None,  # type: ignore[call-arg]
                    telegram_chat_messages_per_second=0, telegram_group_messages_per_minute=0)


@pytest.fixture
async def engine(settings: Settings) -> AsyncIterator[AsyncEngine]:
    """The database as the desk opens it: on SQLite, write-ahead logging and a 10-s busy timeout, as
    `bot.app.compose.make_engine` sets them. Without them the file ran in SQLite's default rollback
    journal, where every reader holds off the writer thread's commits and a writer gives up after
    5 s ("database is locked"): not the database the desk runs on, and slow under concurrent load."""
    engine = create_async_engine(settings.database_url)
    if engine.dialect.name == "sqlite":
        event.listen(engine.sync_engine, "connect", sqlite_pragmas)
    await reset_database(engine)
    await schema.upgrade(engine)
    yield engine
    await engine.dispose()


# -- the core, on the database ------------------------------------------------------


@pytest.fixture(scope="session")
def matcher() -> Matcher:
    return Matcher(load_base())


@pytest.fixture(scope="session")
def translator() -> Translator:
    return Translator()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def sql_store(engine: AsyncEngine) -> SqlDeskStore:
    return SqlDeskStore(engine)


@pytest.fixture
def sql_team(engine: AsyncEngine, sql_store: SqlDeskStore, translator: Translator, clock: FakeClock) -> Team:
    """The consultants on the SQL stores; nothing delivers what they relay (tests read what is stored)."""
    users = Outbound(engine, {}, relays=UserRelays(engine, {}, clock=clock), clock=clock)
    return Team(SqlTicketStore(engine), Outbox(engine, clock, users=users), sql_store, translator,
                WorkingHours.parse(), clock, reply_windows={Channel.WHATSAPP: dt.timedelta(hours=24)})


@pytest.fixture
def sql_desk(matcher: Matcher, sql_store: SqlDeskStore, translator: Translator, sql_team: Team) -> Desk:
    """The channel-neutral desk with its team, on the SQL stores (tests/handlers has it in memory)."""
    return Desk(matcher, sql_store, translator, team=sql_team)


# -- the fake platforms -------------------------------------------------------------


@asynccontextmanager
async def on_loopback(fake: FakeBotAPI | FakeGraph) -> AsyncIterator[None]:
    """Serve a fake platform on 127.0.0.1 and give it its URL; the desk finds it through its settings."""
    async with TestServer(fake.app, host="127.0.0.1") as server:
        fake.url = str(server.make_url("")).rstrip("/")
        yield


@pytest.fixture
async def bot_api() -> AsyncIterator[FakeBotAPI]:
    """A fake Telegram Bot API server."""
    api = FakeBotAPI(TOKEN)
    async with on_loopback(api):
        yield api


@pytest.fixture
async def graph() -> AsyncIterator[FakeGraph]:
    """A fake WhatsApp Graph API server."""
    fake = FakeGraph()
    async with on_loopback(fake):
        yield fake


@pytest.fixture
async def served_bot_api() -> AsyncIterator[SlowBotAPI]:
    """A fake Bot API on 127.0.0.1 for `civic-desk serve` subprocesses, which a test may slow down."""
    fake = SlowBotAPI()
    runner, fake.url = await run_fake(fake.app)
    yield fake
    await runner.cleanup()


@pytest.fixture(autouse=True)
def no_ssl_grace_period(monkeypatch: pytest.MonkeyPatch) -> None:
    """aiogram waits 250 ms after closing its session for SSL; every fake API is plain HTTP."""
    async def close(self: AiohttpSession) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()

    monkeypatch.setattr(AiohttpSession, "close", close)


# -- each channel's application -----------------------------------------------------


def with_telegram(settings: Settings, bot_api: FakeBotAPI) -> Settings:
    return settings.model_copy(update={
        "telegram_token": SecretStr(TOKEN), "telegram_api_url": bot_api.url,
        "telegram_webhook_secret": SecretStr(SECRET), "public_url": ""})


def with_whatsapp(settings: Settings, graph: FakeGraph) -> Settings:
    return settings.model_copy(update={
        "whatsapp_token": SecretStr(ACCESS_TOKEN), "whatsapp_api_url": graph.url,
        "whatsapp_api_version": API_VERSION, "whatsapp_phone_number_id": PHONE_NUMBER_ID,
        "whatsapp_app_secret": SecretStr(APP_SECRET), "whatsapp_verify_token": SecretStr(VERIFY_TOKEN)})


@pytest.fixture
def tg_settings(settings: Settings, bot_api: FakeBotAPI) -> Settings:
    return with_telegram(settings, bot_api)


@pytest.fixture
def wa_settings(settings: Settings, graph: FakeGraph) -> Settings:
    return with_whatsapp(settings, graph)


@pytest.fixture
def desk_matcher(matcher: Matcher) -> Matcher:
    """The service's knowledge: the real base; a folder or a test may override it with a variant."""
    return matcher


@pytest.fixture
async def client(tg_settings: Settings, engine: AsyncEngine,
                 desk_matcher: Matcher) -> AsyncIterator[TestClient[Any, Any]]:
    """The application with the Telegram channel."""
    async with TestClient(TestServer(create_app(tg_settings, engine, desk_matcher))) as client:
        yield client


@pytest.fixture
def user(client: TestClient[Any, Any], bot_api: FakeBotAPI) -> TelegramUser:
    """A Telegram user of the `client` application."""
    return TelegramUser(client, bot_api, client.app[SHELL])  # type: ignore[index]


@pytest.fixture
async def whatsapp(wa_settings: Settings, engine: AsyncEngine, matcher: Matcher, graph: FakeGraph,
                   aiohttp_client: Callable[..., Awaitable[TestClient[Any, Any]]]) -> WhatsApp:
    """Meta's side of the application with the WhatsApp channel."""
    return WhatsApp(await aiohttp_client(create_app(wa_settings, engine, matcher)), graph)


# -- the whole service ----------------------------------------------------------------


@pytest.fixture
def desk_settings(settings: Settings, bot_api: FakeBotAPI, graph: FakeGraph, tmp_path: Path) -> Settings:
    """Both channels and one consultants' group for the whole country (no regional centres, so
    nobody is asked their region); pacing off, so nothing waits."""
    return with_whatsapp(with_telegram(settings, bot_api), graph).model_copy(update={
        "knowledge_dir": knowledge_with_centres(tmp_path / "national", NATIONAL_ONLY),
        "consultant_chat_id": GROUP, "whatsapp_reply_template": TEMPLATE,
        "rate_limit_per_minute": 0, "telegram_messages_per_second": 0, "whatsapp_messages_per_second": 0})


@pytest.fixture
async def service(desk_settings: Settings, engine: AsyncEngine, desk_matcher: Matcher, bot_api: FakeBotAPI,
                  graph: FakeGraph, clock: FakeClock) -> AsyncIterator[DeskService]:
    """The service with both channels and the consultants' group, started once for the test."""
    async with running(desk_settings, engine, desk_matcher, bot_api, graph, clock) as started:
        yield started
