"""`purge --include-identifiers`: ids of users gone for the period become one stable pseudonym everywhere;
stale open tickets are closed and blanked in the same run."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app import cli
from bot.app.config import Settings
from bot.db.models import (
    Base,
    InboundEvent,
    OutboundMessage,
    TicketMessage,
    TicketRow,
    User,
    WhatsAppContact,
    WhatsAppDeliveryFailure,
    WhatsAppOutbound,
    utcnow,
)
from bot.ops.pseudonyms import pseudonym
from bot.ops.retention import purge

KEY = b"test-installation-secret"
YEAR = dt.timedelta(days=365)
LONG_AGO = utcnow() - dt.timedelta(days=730)
YESTERDAY = utcnow() - dt.timedelta(days=1)
GONE_PHONE, GONE_CHAT = "77011234567", "5550001"  # last seen two years ago, on WhatsApp and Telegram
ACTIVE_PHONE, ACTIVE_CHAT = "77019998877", "4242"  # seen yesterday
WAITING_PHONE = "77010000001"  # gone, but a delivery of theirs is still to be handled
HELD_CHAT = "5550002"  # gone, but a reply to them is held until they unblock the bot


async def insert(engine: AsyncEngine, model: type, *rows: dict[str, Any]) -> list[int]:
    async with engine.begin() as conn:
        result = await conn.execute(model.__table__.insert().returning(model.__table__.c[  # type: ignore[attr-defined]
            next(iter(model.__table__.primary_key.columns)).name]), list(rows))  # type: ignore[attr-defined]
        return list(result.scalars())


async def one_person(engine: AsyncEngine, channel: str, ident: str, seen: dt.datetime, ticket: str) -> None:
    """A user with every kind of row that carries their id; `ticket` is the ticket's status."""
    [user_id] = await insert(engine, User, {"channel": channel, "external_id": ident, "name": "Айгерім",
                                            "first_seen": seen, "last_seen": seen})
    await insert(engine, InboundEvent, {"channel": channel, "event_key": uuid.uuid4().hex, "order_key": ident,
                                        "payload": "{}", "status": "done", "received_at": seen})
    closed = {"closed_at": seen, "closed_by": "consultant"} if ticket == "closed" else {}
    [ticket_id] = await insert(engine, TicketRow, {
        "user_id": user_id, "channel": channel, "chat_id": ident, "name": "Айгерім", "handle": "aigerim_k",
        "lang": "kk", "status": ticket, "assignee": "Дана", "history": '["грант"]', "created_at": seen,
        "last_user_message_at": seen, **closed})
    await insert(engine, TicketMessage, {"ticket_id": ticket_id, "direction": "in", "kind": "text",
                                         "text": "менің ЖСН 900101300123", "status": "sent", "created_at": seen})
    await outbound(engine, channel, ident, seen, "sent")
    if channel == "whatsapp":
        await insert(engine, WhatsAppContact, {"wa_id": ident, "name": "Айгерім", "last_inbound_at": seen})
        await insert(engine, WhatsAppOutbound, {"wa_id": ident, "kind": "text", "payload": "{}", "status": "sent",
                                                "created_at": seen})
        await insert(engine, WhatsAppDeliveryFailure, {"wamid": uuid.uuid4().hex, "recipient_id": ident,
                                                       "received_at": seen})


async def outbound(engine: AsyncEngine, channel: str, chat_id: str, at: dt.datetime, status: str) -> None:
    await insert(engine, OutboundMessage, {"channel": channel, "chat_id": chat_id, "body": "{}", "status": status,
                                           "attempts": 1, "next_attempt_at": at, "deadline_at": at, "claim": "",
                                           "owner": "", "error": "", "created_at": at})


async def seed(engine: AsyncEngine) -> None:
    await one_person(engine, "whatsapp", GONE_PHONE, LONG_AGO, "closed")
    await one_person(engine, "telegram", GONE_CHAT, LONG_AGO, "open")  # a stale open ticket
    await one_person(engine, "whatsapp", ACTIVE_PHONE, YESTERDAY, "open")
    await one_person(engine, "telegram", ACTIVE_CHAT, YESTERDAY, "closed")
    await one_person(engine, "whatsapp", WAITING_PHONE, LONG_AGO, "closed")
    await insert(engine, InboundEvent, {"channel": "whatsapp", "event_key": "ev-waiting", "order_key": WAITING_PHONE,
                                        "payload": "{}", "status": "pending", "received_at": LONG_AGO})
    await one_person(engine, "telegram", HELD_CHAT, LONG_AGO, "closed")
    await outbound(engine, "telegram", HELD_CHAT, LONG_AGO, "held")


async def every_text(engine: AsyncEngine) -> list[tuple[str, str, str]]:
    """(table, column, value) of every text in the database."""
    found = []
    async with engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            for row in (await conn.execute(select(table))).mappings():
                found += [(table.name, name, value) for name, value in row.items() if isinstance(value, str)]
    return found


def holders(texts: list[tuple[str, str, str]], needle: str) -> set[str]:
    return {f"{table}.{column}" for table, column, value in texts if needle in value}


async def test_gone_users_ids_become_one_pseudonym_everywhere(engine: AsyncEngine) -> None:
    await seed(engine)
    before = await every_text(engine)
    assert (await purge(engine, YEAR, dry_run=True, identifiers_key=KEY))["user ids"] == 2
    assert await every_text(engine) == before  # a dry run changes nothing

    counts = await purge(engine, YEAR, identifiers_key=KEY)
    assert counts["user ids"] == 2 and counts["WhatsApp contact ids"] == 1 and counts["ticket chat ids"] == 2
    assert counts["WhatsApp outbound recipients"] == 1 and counts["WhatsApp failure recipients"] == 1
    assert counts["outbound chat ids"] == 2
    after = await every_text(engine)
    assert holders(after, GONE_PHONE) == holders(after, GONE_CHAT) == set()
    assert holders(after, pseudonym(KEY, "whatsapp", GONE_PHONE)) == {
        "users.external_id", "whatsapp_contacts.wa_id", "tickets.chat_id", "inbound_events.order_key",
        "whatsapp_outbound.wa_id", "whatsapp_delivery_failures.recipient_id", "outbound_messages.chat_id"}
    assert holders(after, pseudonym(KEY, "telegram", GONE_CHAT)) == {
        "users.external_id", "tickets.chat_id", "inbound_events.order_key", "outbound_messages.chat_id"}
    for kept in (ACTIVE_PHONE, ACTIVE_CHAT, WAITING_PHONE, HELD_CHAT):
        assert holders(after, kept) == holders(before, kept), kept

    assert set((await purge(engine, YEAR, identifiers_key=KEY)).values()) == {0}  # idempotent
    assert await every_text(engine) == after


def test_a_pseudonym_needs_the_key() -> None:
    assert pseudonym(KEY, "whatsapp", GONE_PHONE) == pseudonym(KEY, "whatsapp", GONE_PHONE)
    assert pseudonym(KEY, "whatsapp", GONE_PHONE) != pseudonym(b"another-key", "whatsapp", GONE_PHONE)
    assert GONE_PHONE not in pseudonym(KEY, "whatsapp", GONE_PHONE)


async def test_without_the_flag_no_identifier_changes(engine: AsyncEngine) -> None:
    await seed(engine)
    await purge(engine, YEAR)
    after = await every_text(engine)
    assert holders(after, GONE_PHONE) and holders(after, GONE_CHAT)
    assert not holders(after, "anon-")


async def test_a_stale_open_ticket_is_closed_and_blanked(engine: AsyncEngine) -> None:
    await seed(engine)
    assert (await purge(engine, YEAR, dry_run=True))["stale open tickets"] == 1
    counts = await purge(engine, YEAR)
    assert counts["stale open tickets"] == 1
    async with engine.connect() as conn:
        tickets = {row.chat_id: row for row in (await conn.execute(select(TicketRow))).all()}
        texts = (await conn.execute(select(TicketMessage.text).join(TicketRow).where(
            TicketRow.chat_id == GONE_CHAT))).scalars().all()
    stale, active = tickets[GONE_CHAT], tickets[ACTIVE_PHONE]
    assert (stale.status, stale.closed_by, stale.name, stale.handle, stale.assignee, stale.history) == (
        "closed", "purge", "", "", "", "[]")
    assert stale.closed_at is not None and texts == [""]
    assert (active.status, active.name) == ("open", "Айгерім")


def test_the_command_counts(engine: AsyncEngine, settings: Settings, monkeypatch: pytest.MonkeyPatch,
                            capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("DESK_DATABASE_URL", settings.database_url)
    monkeypatch.delenv("DESK_PSEUDONYM_KEY", raising=False)
    assert cli.run(["purge", "--older-than", "1y", "--include-identifiers"]) == 2
    assert "needs DESK_PSEUDONYM_KEY" in capsys.readouterr().err
    monkeypatch.setenv("DESK_PSEUDONYM_KEY", "k" * 32)
    assert cli.run(["purge", "--older-than", "1y", "--include-identifiers", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "user ids: would pseudonymise 0" in out and "stale open tickets: would close 0" in out
