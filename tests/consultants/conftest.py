"""The whole service with Telegram, WhatsApp and a consultants' forum group, against both fakes.

A clock the tests move stands in for time: working hours, the WhatsApp window
and retry back-offs, with no sleeping. Every helper drains the inbox and the
relay outbox before it returns; the outbox's background worker is stopped, so
what the platforms receive comes in a repeatable order (the restart test keeps
it, to see it resume on its own).
"""

from __future__ import annotations

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

from bot.app.config import Settings
from bot.app.web import SERVICES, create_app
from bot.db.models import Ticket, TicketMessage
from knowledge import Matcher
from knowledge.loader import DEFAULT_DIR
from tests.channels.telegram.chat import SECRET, TOKEN, Consultant, TelegramUser
from tests.channels.telegram.fake_api import FakeBotAPI
from tests.channels.whatsapp.conftest import (
    ACCESS_TOKEN,
    API_VERSION,
    APP_SECRET,
    PHONE_NUMBER_ID,
    VERIFY_TOKEN,
    WhatsApp,
)
from tests.channels.whatsapp.fake_graph import FakeGraph
from tests.clock import FakeClock

GROUP = -1001234567890
TEMPLATE = "civic_desk_reply"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture(autouse=True)
def _fast_close(no_ssl_grace_period: None) -> None:
    """Every test here closes aiogram's session at once."""


NATIONAL_ONLY = """
centres:
  - id: national
    national: true
    name: {kk: Ортақ консультанттар, ru: Общие консультанты}
    regions: []
    languages: [kk, ru]
"""


def knowledge_with_centres(tmp_path: Path, centres: str) -> Path:
    """A copy of the shipped knowledge with its own centres file."""
    root = tmp_path / "kb"
    shutil.copytree(DEFAULT_DIR, root, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    (root / "centres.yaml").write_text(centres, encoding="utf-8")
    return root


@pytest.fixture
def desk_settings(settings: Settings, bot_api: FakeBotAPI, graph: FakeGraph, tmp_path: Path) -> Settings:
    """Both channels and one consultants' group for the whole country (no regional centres, so
    nobody is asked their region); pacing off, so nothing waits."""
    return settings.model_copy(update={
        "knowledge_dir": knowledge_with_centres(tmp_path / "national", NATIONAL_ONLY),
        "whatsapp_token": SecretStr(ACCESS_TOKEN), "whatsapp_api_url": graph.url,
        "whatsapp_api_version": API_VERSION, "whatsapp_phone_number_id": PHONE_NUMBER_ID,
        "whatsapp_app_secret": SecretStr(APP_SECRET), "whatsapp_verify_token": SecretStr(VERIFY_TOKEN),
        "whatsapp_send_attempts": 3, "whatsapp_retry_delay": 0.001,
        "telegram_token": SecretStr(TOKEN), "telegram_api_url": bot_api.url,
        "telegram_webhook_secret": SecretStr(SECRET), "public_url": "",
        "consultant_chat_id": GROUP, "whatsapp_reply_template": TEMPLATE,
        "rate_limit_per_minute": 0, "telegram_messages_per_second": 0,
        "telegram_chat_messages_per_second": 0, "telegram_group_messages_per_minute": 0,
        "whatsapp_messages_per_second": 0})


class Desk:
    """The running service and the people around it."""

    def __init__(self, client: TestClient[Any, Any], bot_api: FakeBotAPI, graph: FakeGraph,
                 clock: FakeClock) -> None:
        self.client, self.api, self.graph, self.clock = client, bot_api, graph, clock
        self.services = client.server.app[SERVICES]
        self.whatsapp = WhatsApp(client, graph)
        self.whatsapp.now = lambda: int(clock().timestamp())
        self.telegram = TelegramUser(client, bot_api, self.services, username="aigul_s")

    def consultant(self, thread_id: int, **person: Any) -> Consultant:
        return Consultant(self.client, self.api, self.services, group=GROUP, thread_id=thread_id, **person)

    async def settle(self) -> None:
        """Let the inbox and the outbox finish what is due now."""
        await self.services.inbox.drain()
        await self.services.outbox.drain()

    def topics(self) -> dict[int, str]:
        return dict(self.api.topics)

    async def ticket(self, ticket_id: int = 1) -> Any:
        async with self.services.engine.connect() as conn:
            return (await conn.execute(select(Ticket).where(Ticket.id == ticket_id))).one()

    async def relayed(self) -> list[tuple[str, str, str, str]]:
        """(direction, kind, status, text) of every stored message of every ticket."""
        async with self.services.engine.connect() as conn:
            rows = await conn.execute(select(TicketMessage.direction, TicketMessage.kind, TicketMessage.status,
                                             TicketMessage.text).order_by(TicketMessage.id))
            return [tuple(row) for row in rows]  # type: ignore[misc]


@asynccontextmanager
async def running(settings: Settings, engine: AsyncEngine, matcher: Matcher, bot_api: FakeBotAPI,
                  graph: FakeGraph, clock: FakeClock, *, worker: bool = False) -> AsyncIterator[Desk]:
    """One start of the service; leaving the block stops it as `serve` would."""
    async with TestClient(TestServer(create_app(settings, engine, matcher, clock=clock))) as client:
        if not worker:
            await client.server.app[SERVICES].outbox.stop()
        yield Desk(client, bot_api, graph, clock)


@pytest.fixture
async def desk(desk_settings: Settings, engine: AsyncEngine, matcher: Matcher, bot_api: FakeBotAPI,
               graph: FakeGraph, clock: FakeClock) -> AsyncIterator[Desk]:
    async with running(desk_settings, engine, matcher, bot_api, graph, clock) as service:
        yield service
