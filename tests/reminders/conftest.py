"""The service with both channels and a test calendar, against the fake platforms, on a clock the tests move.

`instance(...)` starts one `serve` instance (several share the database, as in production);
its background sender and outbox worker are stopped, so each test ticks it when it wants and drains the outbox:
what the platforms receive comes in a repeatable order.
"""

from __future__ import annotations

import datetime as dt
import itertools
import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from pydantic import SecretStr
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app.compose.shell import Shell
from bot.app.config import Settings
from bot.app.web import SHELL, create_app
from bot.reminders.tables import ReminderSubscription, SentReminder
from knowledge import Matcher
from knowledge.loader import DEFAULT_DIR
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
from tests.clock import ALMATY, FakeClock

CALENDAR = Path(__file__).with_name("calendar.yaml")
TEMPLATE = "civic_desk_reminder"
JANUARY = dt.datetime(2027, 1, 11, 10, 0, tzinfo=ALMATY)  # when the users subscribe


def almaty(month: int, day: int, hour: int = 10) -> dt.datetime:
    return dt.datetime(2027, month, day, hour, 0, tzinfo=ALMATY)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(JANUARY)


@pytest.fixture(autouse=True)
def _fast_close(no_ssl_grace_period: None) -> None:
    """Every test here closes aiogram's session at once."""


@pytest.fixture
def remind_settings(settings: Settings, bot_api: FakeBotAPI, graph: FakeGraph, tmp_path: Path) -> Settings:
    """Both channels, the WhatsApp reminder template, the test calendar in a copy of the base; pacing off."""
    root = tmp_path / "kb"
    shutil.copytree(DEFAULT_DIR, root, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    shutil.copy(CALENDAR, root / "calendar.yaml")
    return settings.model_copy(update={
        "knowledge_dir": root, "instance_id": "one",
        "whatsapp_token": SecretStr(ACCESS_TOKEN), "whatsapp_api_url": graph.url,
        "whatsapp_api_version": API_VERSION, "whatsapp_phone_number_id": PHONE_NUMBER_ID,
        "whatsapp_app_secret": SecretStr(APP_SECRET), "whatsapp_verify_token": SecretStr(VERIFY_TOKEN),
        "whatsapp_send_attempts": 1, "whatsapp_retry_delay": 0.001,
        "telegram_token": SecretStr(TOKEN), "telegram_api_url": bot_api.url,
        "telegram_webhook_secret": SecretStr(SECRET), "public_url": "",
        "whatsapp_reminder_template": TEMPLATE, "telegram_bot_url": "https://t.me/civic_desk_bot",
        "rate_limit_per_minute": 0, "telegram_messages_per_second": 0,
        "telegram_chat_messages_per_second": 0, "whatsapp_messages_per_second": 0})


class Instance:
    """One running instance and the people who write to it."""

    def __init__(self, client: TestClient[Any, Any], bot_api: FakeBotAPI, graph: FakeGraph, clock: FakeClock) -> None:
        self.client, self.api, self.graph, self.clock = client, bot_api, graph, clock
        self.shell: Shell = client.server.app[SHELL]
        self.people: dict[int, TelegramUser] = {}
        self._whatsapp: WhatsApp | None = None

    def telegram(self, chat_id: int, language_code: str = "kk") -> TelegramUser:
        """The person in that private chat (the same one on each call: update ids never repeat)."""
        if chat_id not in self.people:
            self.people[chat_id] = TelegramUser(self.client, self.api, self.shell, id=chat_id,
                                                language_code=language_code,
                                                update_ids=itertools.count(chat_id * 1000))
        return self.people[chat_id]

    def whatsapp(self) -> WhatsApp:
        """Meta's side for the WhatsApp user (the same on each call: message ids never repeat)."""
        if self._whatsapp is None:
            self._whatsapp = WhatsApp(self.client, self.graph)
            self._whatsapp.now = lambda: int(self.clock().timestamp())
        return self._whatsapp

    async def tick(self) -> int:
        """One pass of this instance's sender (returns how many reminders it found waiting), then
        what waits handed to the reminders' lanes, and every kept message out."""
        assert self.shell.reminders is not None and self.shell.outbound is not None
        waiting = await self.shell.reminders.tick()
        await self.shell.reminders.queue.send()
        await self.shell.reminders.queue.outbound.drain()  # the reminders' own lanes, while the lease is held
        await self.shell.outbound.drain()
        return waiting


@asynccontextmanager
async def instance(settings: Settings, engine: AsyncEngine, matcher: Matcher, bot_api: FakeBotAPI,
                   graph: FakeGraph, clock: FakeClock, name: str = "one") -> AsyncIterator[Instance]:
    app = create_app(settings.model_copy(update={"instance_id": name}), engine, matcher, clock=clock)
    async with TestClient(TestServer(app)) as client:
        shell = client.server.app[SHELL]
        assert shell.reminders is not None
        await shell.reminders.stop()  # the test ticks it
        await shell.outbound.stop()  # and drains the outbox: nothing goes out behind its back
        yield Instance(client, bot_api, graph, clock)


@pytest.fixture
async def desk(remind_settings: Settings, engine: AsyncEngine, matcher: Matcher, bot_api: FakeBotAPI,
               graph: FakeGraph, clock: FakeClock) -> AsyncIterator[Instance]:
    async with instance(remind_settings, engine, matcher, bot_api, graph, clock) as one:
        yield one


def texts_to(api: FakeBotAPI, chat_id: int) -> list[str]:
    return [c["params"]["text"] for c in api.calls if c["method"] == "sendMessage"
            and c["params"]["chat_id"] == chat_id]


async def subscriptions(engine: AsyncEngine) -> list[tuple[int, str, bool, str | None]]:
    """(user id, stream, own region, why stopped or None) of every subscription."""
    table = ReminderSubscription.__table__
    async with engine.connect() as conn:
        rows = await conn.execute(select(table.c.user_id, table.c.stream, table.c.own_region, table.c.stopped_at,
                                         table.c.stop_reason).order_by(table.c.id))
        return [(r.user_id, r.stream, bool(r.own_region), r.stop_reason if r.stopped_at else None) for r in rows]


async def sent_rows(engine: AsyncEngine) -> list[tuple[str, str, int, int, str]]:
    table = SentReminder.__table__
    async with engine.connect() as conn:
        rows = await conn.execute(select(table.c.event_id, table.c.occurrence, table.c.offset_days,
                                         table.c.user_id, table.c.status).order_by(table.c.id))
        return [tuple(r) for r in rows]  # type: ignore[misc]
