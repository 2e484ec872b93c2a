"""The whole service running in-process, with Telegram, WhatsApp and a consultants' forum group on fakes.

A clock the tests move stands in for time: working hours, the WhatsApp window
and retry back-offs, with no sleeping. Every helper drains the inbox and the
relay outbox before it returns; the outbox's background worker is stopped, so
what the platforms receive comes in a repeatable order (`worker=True` keeps it,
to see it resume on its own). The fixtures are in tests/fixtures.py.
"""

from __future__ import annotations

import itertools
import json
import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app.config import Settings
from bot.app.web import SHELL, create_app
from bot.channels.whatsapp import signature
from bot.db.models import TicketMessage, TicketRow
from knowledge import Matcher
from knowledge.loader import DEFAULT_DIR
from tests.channels.telegram.chat import Consultant, TelegramUser
from tests.channels.telegram.fake_api import FakeBotAPI
from tests.channels.whatsapp.fake_graph import FakeGraph
from tests.channels.whatsapp.meta import APP_SECRET, USER, WhatsApp, message, payload
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
        self.shell = client.server.app[SHELL]
        self.whatsapp = WhatsApp(client, graph)
        self.whatsapp.now = lambda: int(clock().timestamp())
        # Telegram numbers all of a bot's updates in one sequence, and a group's messages in another:
        # everyone here takes the next of each, or the desk would drop a second person's first
        # message as a duplicate delivery (and a test of what it ignores would pass whatever it did).
        self.update_ids, self.group_message_ids = itertools.count(500_001), itertools.count(5001)
        self.telegram = TelegramUser(client, bot_api, self.shell, username="aigul_s", update_ids=self.update_ids)

    def consultant(self, thread_id: int, **person: Any) -> Consultant:
        person.setdefault("update_ids", self.update_ids)
        person.setdefault("message_ids", self.group_message_ids)
        return Consultant(self.client, self.api, self.shell, group=GROUP, thread_id=thread_id, **person)

    async def settle(self) -> None:
        """Let the inbox and the outbox finish what is due now."""
        await self.shell.inbox.drain()
        await self.shell.outbox.drain()

    def topics(self) -> dict[int, str]:
        return dict(self.api.topics)

    async def ticket(self, ticket_id: int = 1) -> Any:
        async with self.shell.engine.connect() as conn:
            return (await conn.execute(select(TicketRow).where(TicketRow.id == ticket_id))).one()

    async def relayed(self) -> list[tuple[str, str, str, str]]:
        """(direction, kind, status, text) of every stored message of every ticket."""
        async with self.shell.engine.connect() as conn:
            rows = await conn.execute(select(TicketMessage.direction, TicketMessage.kind, TicketMessage.status,
                                             TicketMessage.text).order_by(TicketMessage.id))
            return [tuple(row) for row in rows]  # type: ignore[misc]


async def arrives(person: Any, text: str) -> None:
    """A Telegram user's message reaches the desk and waits for the consultants, not delivered yet."""
    assert await person.post(person.text_update(text)) == 200
    await person.shell.inbox.drain()


async def whatsapp_posts(service: DeskService, text: str, user: str = USER) -> int:
    """Meta delivers a WhatsApp user's text, signed; the webhook's status (nothing is waited for)."""
    wa = service.whatsapp
    raw = json.dumps(payload(message(user, wa.wamid(), "text", {"body": text}, wa.now()))).encode()
    headers = {"Content-Type": "application/json", "X-Hub-Signature-256": signature(APP_SECRET.encode(), raw)}
    async with service.client.post("/webhook/whatsapp", data=raw, headers=headers) as response:
        return response.status


async def whatsapp_arrives(service: DeskService, text: str) -> None:
    """The same for the WhatsApp user."""
    assert await whatsapp_posts(service, text) == 200
    await service.shell.inbox.drain()


@asynccontextmanager
async def running(settings: Settings, engine: AsyncEngine, matcher: Matcher, bot_api: FakeBotAPI,
                  graph: FakeGraph, clock: FakeClock, *, worker: bool = False) -> AsyncIterator[DeskService]:
    """One start of the service; leaving the block stops it as `serve` would."""
    async with TestClient(TestServer(create_app(settings, engine, matcher, clock=clock))) as client:
        if not worker:
            await client.server.app[SHELL].outbox.stop()
        yield DeskService(client, bot_api, graph, clock)
