"""The whole service running in-process, with Telegram, WhatsApp and a consultants' forum group on fakes.

A clock the tests move stands in for time: working hours, the WhatsApp window
and retry back-offs, with no sleeping. Every helper drains the inbox and the
relay outbox before it returns; the outbox's background worker is stopped, so
what the platforms receive comes in a repeatable order (`worker=True` keeps it,
to see it resume on its own). The fixtures are in tests/fixtures.py.
"""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app.config import Settings
from bot.app.web import SERVICES, create_app
from bot.db.models import Ticket, TicketMessage
from knowledge import Matcher
from knowledge.loader import DEFAULT_DIR
from tests.channels.telegram.chat import Consultant, TelegramUser
from tests.channels.telegram.fake_api import FakeBotAPI
from tests.channels.whatsapp.fake_graph import FakeGraph
from tests.channels.whatsapp.meta import WhatsApp
from tests.clock import FakeClock

GROUP = -1001234567890
TEMPLATE = "civic_desk_reply"


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


class DeskService:
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
                  graph: FakeGraph, clock: FakeClock, *, worker: bool = False) -> AsyncIterator[DeskService]:
    """One start of the service; leaving the block stops it as `serve` would."""
    async with TestClient(TestServer(create_app(settings, engine, matcher, clock=clock))) as client:
        if not worker:
            await client.server.app[SERVICES].outbox.stop()
        yield DeskService(client, bot_api, graph, clock)
