"""Webhook messages as the desk's inbound events, the Graph client's edges, the schema."""

from __future__ import annotations

import socket
from typing import Any

import pytest
from aiohttp import web
from alembic import command
from pydantic import SecretStr
from sqlalchemy import inspect
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app.config import Settings
from bot.app.services import Services
from bot.app.web import create_app
from bot.channels.whatsapp import GraphClient, setup, to_inbound
from bot.db import schema
from bot.pipeline.inbox import Inbox
from handlers import Channel, Desk, Inbound, InboundKind
from knowledge import Matcher
from tests.channels.whatsapp.meta import USER, message

WAMID = "wamid.HBgLNzcwMTEyMzQ1NjcVAgASGBQzAA=="
MENU = ["topic:grants.types", "topic:grants.what-is", "menu"]


def inbound(kind: InboundKind, text: str, media_type: str = "") -> Inbound:
    return Inbound(Channel.WHATSAPP, USER, kind, text, message_id=WAMID, name="Айгерім",
                   media_type=media_type)


@pytest.mark.parametrize(("kind", "content", "choices", "expected"), [
    ("text", {"body": "Грант деген не?"}, [], inbound(InboundKind.TEXT, "Грант деген не?")),
    ("text", {"body": " 2 "}, MENU, inbound(InboundKind.CHOICE, "topic:grants.what-is")),
    ("text", {"body": "3"}, MENU, inbound(InboundKind.CHOICE, "menu")),
    ("text", {"body": "4"}, MENU, inbound(InboundKind.TEXT, "4")),  # not on the menu
    ("text", {"body": "0"}, MENU, inbound(InboundKind.TEXT, "0")),
    ("text", {"body": "2"}, [], inbound(InboundKind.TEXT, "2")),  # no numbered menu offered
    ("text", {"body": "²"}, MENU, inbound(InboundKind.TEXT, "²")),
    ("interactive", {"type": "button_reply", "button_reply": {"id": "lang:ru", "title": "Русский"}},
     [], inbound(InboundKind.CHOICE, "lang:ru")),
    ("interactive", {"type": "list_reply", "list_reply": {
        "id": "cat:grants", "title": "Гранттар", "description": "Мемлекеттік гранттар"}},
     MENU, inbound(InboundKind.CHOICE, "cat:grants")),
    ("interactive", {"type": "nfm_reply", "nfm_reply": {"response_json": "{}"}}, [],
     inbound(InboundKind.MEDIA, "", "interactive")),
    ("image", {"id": "1", "mime_type": "image/jpeg", "caption": "Құжат"}, [],
     inbound(InboundKind.MEDIA, "Құжат", "image")),
    ("sticker", {"id": "2", "mime_type": "image/webp"}, [], inbound(InboundKind.MEDIA, "", "sticker")),
    ("audio", {"id": "3", "voice": True}, [], inbound(InboundKind.MEDIA, "", "audio")),
    ("document", {"id": "4", "filename": "устав.pdf"}, [], inbound(InboundKind.MEDIA, "", "document")),
    ("video", {"id": "5"}, [], inbound(InboundKind.MEDIA, "", "video")),
    ("location", {"latitude": 43.24, "longitude": 76.89}, [],
     inbound(InboundKind.MEDIA, "", "location")),
    ("reaction", {"message_id": "wamid.out.1", "emoji": "👍"}, [],
     inbound(InboundKind.MEDIA, "", "reaction")),
    ("unsupported", {}, [], inbound(InboundKind.MEDIA, "", "unsupported")),
])
def test_webhook_messages_map_to_desk_events(kind: str, content: dict[str, Any],
                                             choices: list[str], expected: Inbound) -> None:
    assert to_inbound(message(USER, WAMID, kind, content), "Айгерім", choices) == expected


async def test_an_unreachable_graph_api_is_retried_then_reported_not_raised() -> None:
    with socket.socket() as probe:  # a local port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    client = GraphClient(f"http://127.0.0.1:{port}", "v21.0", "1", "token", attempts=2,
                         retry_delay=0.001)
    await client.start()
    try:
        result = await client.send(USER, {"type": "text", "text": {"body": "x"}})
    finally:
        await client.close()
    assert (result.ok, result.http_status, result.attempts) == (False, 0, 2)
    assert result.error


async def test_whatsapp_is_mounted_only_when_configured(
        settings: Settings, wa_settings: Settings, engine: AsyncEngine, matcher: Matcher) -> None:
    assert "/webhook/whatsapp" not in _paths(create_app(settings, engine, matcher))
    assert "/webhook/whatsapp" in _paths(create_app(wa_settings, engine, matcher))


async def test_setup_refuses_to_run_an_unsigned_webhook(
        wa_settings: Settings, engine: AsyncEngine, sql_desk: Desk) -> None:
    unsigned = wa_settings.model_copy(update={"whatsapp_app_secret": SecretStr("")})
    with pytest.raises(ValueError, match="APP_SECRET"):
        setup(web.Application(), Services(unsigned, engine, sql_desk, Inbox(engine)))


async def test_the_whatsapp_migration_downgrades_and_upgrades_again(engine: AsyncEngine) -> None:
    tables = {"whatsapp_contacts", "whatsapp_outbound", "whatsapp_delivery_failures"}

    def run(connection: Connection, target: str, up: bool) -> set[str]:
        config = schema.alembic_config()
        config.attributes["connection"] = connection
        (command.upgrade if up else command.downgrade)(config, target)
        return set(inspect(connection).get_table_names())

    async with engine.begin() as conn:
        assert not await conn.run_sync(run, "0002", False) & tables
        assert await conn.run_sync(run, "head", True) >= tables


def _paths(app: Any) -> set[str]:
    return {r.resource.canonical for r in app.router.routes() if r.resource is not None}
