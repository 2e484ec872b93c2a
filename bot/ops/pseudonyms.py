"""`purge --include-identifiers`: platform ids and phone numbers of long-gone users become pseudonyms.

A pseudonym is "anon-" and a keyed hash (HMAC-SHA256 with DESK_PSEUDONYM_KEY) of the channel and
the id: the same person gets the same pseudonym in every table and every run, so statistics stay
joinable, while guessing a phone number and hashing it finds nothing without the key. Users seen
within the period, and anyone with an open ticket or a message still to be delivered or handled,
keep their ids: the desk still needs them to reach those people.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from sqlalchemy import Column, ColumnElement, case, func, literal, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.db.models import InboundEvent, TicketMessage, TicketRow, User, WhatsAppContact, WhatsAppDeliveryFailure
from bot.db.models import WhatsAppOutbound as Outbound
from bot.db.models.pipeline import OutboundMessage

PREFIX = "anon-"
CHUNK = 500  # ids per statement: well under every driver's limit on bound parameters
WHATSAPP = "whatsapp"
UNDELIVERED = ("pending", "sending", "held")
UNHANDLED = ("pending", "processing")


@dataclass(frozen=True)
class IdColumn:
    """A column holding a user's platform id, and the column (or constant) naming its channel."""

    label: str
    column: Column[str]
    channel: ColumnElement[str]


ID_COLUMNS = [
    IdColumn("user ids", User.__table__.c.external_id, User.__table__.c.channel),
    IdColumn("WhatsApp contact ids", WhatsAppContact.__table__.c.wa_id, literal(WHATSAPP)),
    IdColumn("ticket chat ids", TicketRow.__table__.c.chat_id, TicketRow.__table__.c.channel),
    IdColumn("inbox chat keys", InboundEvent.__table__.c.order_key, InboundEvent.__table__.c.channel),
    IdColumn("WhatsApp outbound recipients", Outbound.__table__.c.wa_id, literal(WHATSAPP)),
    IdColumn("outbound chat ids", OutboundMessage.__table__.c.chat_id, OutboundMessage.__table__.c.channel),
    IdColumn("WhatsApp failure recipients", WhatsAppDeliveryFailure.__table__.c.recipient_id, literal(WHATSAPP)),
]
# Telegram usernames on the tickets of the same people: blanked, before the chat ids they are found by change.
HANDLES = IdColumn("ticket handles of gone users", TicketRow.__table__.c.handle, TicketRow.__table__.c.channel)


def pseudonym(key: bytes, channel: str, external_id: str) -> str:
    """The stable stand-in for one id (29 characters: fits every id column)."""
    digest = hmac.new(key, f"{channel}:{external_id}".encode(), hashlib.sha256).hexdigest()
    return PREFIX + digest[:24]


async def _pairs(conn: AsyncConnection, query: object) -> set[tuple[str, str]]:
    return {(str(channel), str(ident)) for channel, ident in (await conn.execute(query)).all()}  # type: ignore[arg-type]


async def gone(conn: AsyncConnection, cutoff: dt.datetime, closing: Sequence[int] = ()) -> set[tuple[str, str]]:
    """(channel, id) of everyone last seen before the cut-off whom the desk no longer needs to reach.

    `closing`: open tickets this run closes (a dry run leaves them open but counts as if closed).
    """
    users, contacts = User.__table__.c, WhatsAppContact.__table__.c
    tickets, messages, events = TicketRow.__table__.c, TicketMessage.__table__.c, InboundEvent.__table__.c
    outbound = OutboundMessage.__table__.c  # a message still to send (or held) needs its chat's real id
    old = await _pairs(conn, select(users.channel, users.external_id).where(users.last_seen < cutoff))
    old |= await _pairs(conn, select(literal(WHATSAPP), contacts.wa_id).where(contacts.last_inbound_at < cutoff))
    keep = await _pairs(conn, select(users.channel, users.external_id).where(users.last_seen >= cutoff))
    keep |= await _pairs(conn, select(literal(WHATSAPP), contacts.wa_id).where(contacts.last_inbound_at >= cutoff))
    keep |= await _pairs(conn, select(tickets.channel, tickets.chat_id).where(
        tickets.status == "open", tickets.id.not_in(closing)))
    keep |= await _pairs(conn, select(tickets.channel, tickets.chat_id).join(
        TicketMessage.__table__, messages.ticket_id == tickets.id).where(messages.status.in_(UNDELIVERED)))
    keep |= await _pairs(conn, select(events.channel, events.order_key).where(events.status.in_(UNHANDLED)))
    keep |= await _pairs(conn, select(outbound.channel, outbound.chat_id).where(outbound.status.in_(UNDELIVERED)))
    return {pair for pair in old - keep if not pair[1].startswith(PREFIX)}


def _chunks(pairs: Iterable[tuple[str, str]]) -> Iterator[list[tuple[str, str]]]:
    ordered = sorted(pairs)
    for start in range(0, len(ordered), CHUNK):
        yield ordered[start:start + CHUNK]


async def pseudonymise(conn: AsyncConnection, cutoff: dt.datetime, key: bytes, *,
                       closing: Sequence[int] = (), dry_run: bool = False) -> dict[str, int]:
    """Replace the ids of `gone` users in every id column (or count them); returns counts by label."""
    targets = await gone(conn, cutoff, closing)
    counts = {}
    for spot in (HANDLES, *ID_COLUMNS):
        counts[spot.label] = 0
        for chunk in _chunks(targets):
            counts[spot.label] += await _rewrite(conn, spot, chunk, key, dry_run)
    return counts



async def _rewrite(conn: AsyncConnection, spot: IdColumn, chunk: list[tuple[str, str]], key: bytes,
                   dry_run: bool) -> int:
    table = spot.column.table
    total = 0
    for channel in sorted({channel for channel, _ in chunk}):
        ids = [ident for ch, ident in chunk if ch == channel]
        if spot is HANDLES:
            where = (spot.channel == channel, TicketRow.__table__.c.chat_id.in_(ids), spot.column != "")
            value: object = ""
        else:
            where = (spot.channel == channel, spot.column.in_(ids))
            value = case({ident: pseudonym(key, channel, ident) for ident in ids}, value=spot.column)
        if dry_run:
            total += (await conn.execute(select(func.count()).select_from(table).where(*where))).scalar_one()
        else:
            total += (await conn.execute(update(table).where(*where).values({spot.column.key: value}))).rowcount
    return total
