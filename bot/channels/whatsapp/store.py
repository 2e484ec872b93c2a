"""What the WhatsApp adapter keeps: the service window, numbered menus, sends and failures."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, bindparam, case, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from bot.channels.whatsapp.client import SendResult
from bot.db.batch import GroupCommit
from bot.db.dialect import EMPTY, Insert, insert_on_conflict
from bot.db.models import User, WhatsAppContact, WhatsAppDeliveryFailure, WhatsAppOutbound, aware, utcnow
from bot.db.rendered import InsertRows, Statement
from bot.pipeline import jsonio
from handlers import Channel

# Free-form messages are allowed for 24 hours after the user's last message; then only templates.
SERVICE_WINDOW = dt.timedelta(hours=24)
contacts, outbound, users = WhatsAppContact.__table__, WhatsAppOutbound.__table__, User.__table__
SET_CHOICES = Statement(lambda dialect: update(contacts).where(contacts.c.wa_id == bindparam("contact")).values(
    choices=bindparam("menu")), ("contact", "menu"))
LOG_SENDS = InsertRows(lambda dialect: insert(outbound), (
    "wa_id", "kind", "status", "payload", "wamid", "http_status", "error_code", "error", "attempts", "created_at"))
USER_LANGUAGE = select(users.c.lang).where(users.c.channel == Channel.WHATSAPP.value,
                                           users.c.external_id == bindparam("wa_id"))


def from_timestamp(value: object) -> dt.datetime | None:
    """A webhook's Unix-seconds string as an aware datetime; None when absent or garbled."""
    try:
        return dt.datetime.fromtimestamp(int(str(value)), dt.UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        return None


@dataclass(frozen=True)
class _Inbound:
    wa_id: str
    name: str
    at: dt.datetime


class WhatsAppStore:
    """Core statements; the writes of every message (contact, menu, send log) go in group commits.

    Concurrent messages share one transaction and one statement per table
    (`bot.db.batch`): one short transaction per write cost more CPU than the rest
    of the adapter on the webhook benchmark.
    """

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.sessions = async_sessionmaker(engine, expire_on_commit=False)
        self._inbound = GroupCommit(engine, _touch_contacts)
        self._menus = GroupCommit(engine, _set_choices)
        self._outbound = GroupCommit(engine, self._insert_outbound)

    async def touch_contact(self, wa_id: str, name: str, at: dt.datetime) -> list[str]:
        """Record an inbound message: it (re)opens the 24-hour customer service window.

        One atomic upsert; returns the numbered menu the user was last offered, which
        the message may answer with a digit.
        """
        return await self._inbound.submit(_Inbound(wa_id, name[:256], at))

    async def last_inbound(self, wa_id: str) -> dt.datetime | None:
        """When the user last wrote: replies other than templates need it within 24 hours."""
        async with self.engine.connect() as conn:
            last = await conn.scalar(select(contacts.c.last_inbound_at).where(contacts.c.wa_id == wa_id))
        return aware(last) if last else None

    async def choices(self, wa_id: str) -> list[str]:
        async with self.engine.connect() as conn:
            choices = await conn.scalar(select(contacts.c.choices).where(contacts.c.wa_id == wa_id))
        return list(jsonio.loads(choices)) if choices else []

    async def set_choices(self, wa_id: str, choices: Sequence[str]) -> None:
        """Remember the numbered menu just offered (empty: none), which a bare digit answers."""
        await self._menus.submit((wa_id, jsonio.dumps(list(choices))))

    async def language(self, wa_id: str) -> str | None:
        """The language the user chose in the desk, if any."""
        async with self.engine.connect() as conn:
            return await conn.scalar(USER_LANGUAGE, {"wa_id": wa_id})

    async def record_outbound(self, wa_id: str, message: dict[str, Any], status: str,
                              result: SendResult | None = None, at: dt.datetime | None = None) -> None:
        """Log one send; concurrent chats' sends share a transaction, each awaiting its commit."""
        result = result or SendResult(ok=False)
        await self._outbound.submit((  # LOG_SENDS's columns
            wa_id, str(message.get("type", "")), status, jsonio.dumps(message), result.wamid or None,
            result.http_status, result.error_code, result.error, result.attempts, at or utcnow()))

    @staticmethod
    def _insert_outbound(conn: Connection, rows: Sequence[tuple[Any, ...]]) -> list[None]:
        LOG_SENDS.run(conn, rows)
        return [None] * len(rows)

    async def template_sent_since(self, wa_id: str, since: dt.datetime) -> bool:
        """Was the user already invited (a template sent) since their last message?"""
        async with self.engine.connect() as conn:
            return await conn.scalar(select(outbound.c.id).where(
                outbound.c.wa_id == wa_id, outbound.c.kind == "template",
                outbound.c.status == "sent", outbound.c.created_at >= since).limit(1)) is not None

    async def record_failed_status(self, status: dict[str, Any]) -> None:
        """Store a `failed` status callback once, however often Meta repeats it."""
        error = (status.get("errors") or [{}])[0]
        details = (error.get("error_data") or {}).get("details") or error.get("message") or ""
        code = error.get("code")
        try:
            async with self.sessions.begin() as session:
                session.add(WhatsAppDeliveryFailure(
                    wamid=str(status.get("id", ""))[:128],
                    recipient_id=str(status.get("recipient_id", ""))[:32],
                    error_code=code if isinstance(code, int) else None,
                    error_title=str(error.get("title", ""))[:256], error_details=str(details),
                    failed_at=from_timestamp(status.get("timestamp"))))
        except IntegrityError:
            pass  # a repeated callback



def upsert_contacts(dialect: str) -> Insert:
    """INSERT contacts, or on conflict: the later inbound time, a non-empty name; RETURNING their menus."""
    statement = insert_on_conflict(dialect, contacts)
    excluded = statement.excluded
    return statement.on_conflict_do_update(index_elements=[contacts.c.wa_id], set_={
        "name": case((excluded.name != EMPTY, excluded.name), else_=contacts.c.name),
        "last_inbound_at": case((excluded.last_inbound_at > contacts.c.last_inbound_at, excluded.last_inbound_at),
                                else_=contacts.c.last_inbound_at),
    }).returning(contacts.c.wa_id, contacts.c.choices)


TOUCH_CONTACTS = InsertRows(upsert_contacts, ("wa_id", "name", "last_inbound_at", "choices"))


def _touch_contacts(conn: Connection, messages: Sequence[_Inbound]) -> list[list[str]]:
    """Upsert the batch's contacts in one statement; each message gets its contact's numbered menu.

    An out-of-order delivery never moves the window back, and an empty name keeps the stored one.
    """
    latest: dict[str, _Inbound] = {}
    for message in messages:
        kept = latest.get(message.wa_id)
        latest[message.wa_id] = message if kept is None or message.at >= kept.at else kept
    rows = TOUCH_CONTACTS.run(conn, [(m.wa_id, m.name, m.at, "[]") for m in latest.values()])
    menus = dict(rows)  # wa_id -> choices
    return [list(jsonio.loads(menus[message.wa_id])) for message in messages]


def _set_choices(conn: Connection, menus: Sequence[tuple[str, str]]) -> list[None]:
    """One executemany for the batch; a contact's later menu wins."""
    latest = dict(menus)
    SET_CHOICES.run_each(conn, list(latest.items()))
    return [None] * len(menus)
