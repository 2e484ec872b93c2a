"""Retention: `civic-desk purge --older-than 365d` blanks old personal texts, keeps the rows.

Statistics (how many questions, which topics, how the desk decided, how
many deliveries) stay countable for ever; what people wrote, their names and
the raw webhook payloads go once they are older than the retention period.
Other parts of the shell add their texts (tickets, relayed messages) to
`BLANKINGS`.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Column, ColumnElement, delete, exists, func, select, true, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.db.models import (
    ConsultantPresence,
    InboundEvent,
    KbDraft,
    OutboundMessage,
    Question,
    TicketMessage,
    TicketRow,
    User,
    WhatsAppContact,
    WhatsAppDeliveryFailure,
    WhatsAppOutbound,
    utcnow,
)
from bot.db.staff import LoginAttempt, StaffSession
from bot.ops import pseudonyms

STALE = "stale open tickets"  # closed by the purge, then blanked like closed ones
AGE = re.compile(r"\s*(\d+)\s*([dhwy])\s*")
# A year is 365 days: a purge a day early or late in a leap year changes nothing that matters.
UNITS = {"h": dt.timedelta(hours=1), "d": dt.timedelta(days=1), "w": dt.timedelta(weeks=1),
         "y": dt.timedelta(days=365)}


def parse_age(text: str) -> dt.timedelta:
    """"1y", "365d", "52w", "12h" -> a timedelta; ValueError on anything else."""
    match = AGE.fullmatch(text)
    if match is None or int(match.group(1)) <= 0:
        raise ValueError(f"expected an age like 1y, 365d, 52w or 12h, not {text!r}")
    return int(match.group(1)) * UNITS[match.group(2)]


@dataclass(frozen=True)
class Blanking:
    """One text column to blank in rows whose `when` is older than the cut-off."""

    label: str
    when: Column[dt.datetime]
    column: Column[str]
    blank: str = ""
    only: ColumnElement[bool] | None = None  # a further condition (e.g. processed rows only)


def _c(model: type) -> Any:
    return model.__table__.c  # type: ignore[attr-defined]


BLANKINGS: list[Blanking] = [
    Blanking("question texts", _c(Question).created_at, _c(Question).text),
    Blanking("inbox payloads", _c(InboundEvent).received_at, _c(InboundEvent).payload, "{}",
             _c(InboundEvent).status.in_(("done", "failed"))),
    Blanking("WhatsApp outbound payloads", _c(WhatsAppOutbound).created_at, _c(WhatsAppOutbound).payload, "{}"),
    Blanking("user names", _c(User).last_seen, _c(User).name),
    Blanking("WhatsApp contact names", _c(WhatsAppContact).last_inbound_at, _c(WhatsAppContact).name),
    # Tickets once closed (open ones have no closed_at); relayed messages once settled, never
    # those still pending or held for delivery.
    Blanking("ticket names", _c(TicketRow).closed_at, _c(TicketRow).name),
    Blanking("ticket handles", _c(TicketRow).closed_at, _c(TicketRow).handle),
    Blanking("ticket histories", _c(TicketRow).closed_at, _c(TicketRow).history, "[]"),
    Blanking("relayed texts", _c(TicketMessage).created_at, _c(TicketMessage).text, "",
             _c(TicketMessage).status.in_(("sent", "failed", "internal"))),
    Blanking("relayed payloads", _c(TicketMessage).created_at, _c(TicketMessage).payload, "{}",
             _c(TicketMessage).status.in_(("sent", "failed", "internal"))),
    # Consultants' names, and error texts that may quote what was sent (a platform's refusal often does).
    Blanking("ticket assignees", _c(TicketRow).closed_at, _c(TicketRow).assignee),
    Blanking("ticket consultants", _c(TicketRow).closed_at, _c(TicketRow).consultant_id),  # their platform id
    # A consultant's name and @username, once they have not said /present or /away for the period.
    Blanking("consultant names", _c(ConsultantPresence).changed_at, _c(ConsultantPresence).name),
    Blanking("consultant usernames", _c(ConsultantPresence).changed_at, _c(ConsultantPresence).handle),
    Blanking("relayed authors", _c(TicketMessage).created_at, _c(TicketMessage).author, "",
             _c(TicketMessage).status.in_(("sent", "failed", "internal"))),
    Blanking("relayed errors", _c(TicketMessage).created_at, _c(TicketMessage).error, "",
             _c(TicketMessage).status.in_(("sent", "failed", "internal"))),
    Blanking("inbox errors", _c(InboundEvent).received_at, _c(InboundEvent).error, "",
             _c(InboundEvent).status.in_(("done", "failed"))),
    Blanking("WhatsApp outbound errors", _c(WhatsAppOutbound).created_at, _c(WhatsAppOutbound).error),
    Blanking("WhatsApp failure titles", _c(WhatsAppDeliveryFailure).received_at,
             _c(WhatsAppDeliveryFailure).error_title),
    Blanking("WhatsApp failure details", _c(WhatsAppDeliveryFailure).received_at,
             _c(WhatsAppDeliveryFailure).error_details),
    Blanking("WhatsApp menu choices", _c(WhatsAppContact).last_inbound_at, _c(WhatsAppContact).choices, "[]"),
    # Drafts quote a user's question and a consultant's answer (masked, but still their words) and
    # name the consultant; once published or rejected, the entry file or nothing carries them on.
    Blanking("draft texts", _c(KbDraft).decided_at, _c(KbDraft).body),
    Blanking("draft authors", _c(KbDraft).decided_at, _c(KbDraft).author),
    Blanking("draft rejection reasons", _c(KbDraft).decided_at, _c(KbDraft).reason),
    # Desk answers kept for a later try carry the answer itself, and errors may quote it; once
    # sent or given up, nothing needs them.
    Blanking("kept answers", _c(OutboundMessage).created_at, _c(OutboundMessage).body, "{}",
             _c(OutboundMessage).status.in_(("sent", "failed"))),
    Blanking("kept answer errors", _c(OutboundMessage).created_at, _c(OutboundMessage).error, "",
             _c(OutboundMessage).status.in_(("sent", "failed"))),
]


# Rows with no use after the period: console logins that throttle for minutes, sessions idle
# out within hours. Deleted, not blanked: their keys (a session's hash, an address) are the data.
DELETIONS: list[tuple[str, Any]] = [
    ("console login attempts", _c(LoginAttempt).at),
    ("console sessions", _c(StaffSession).seen_at),
]


async def close_stale_tickets(conn: AsyncConnection, cutoff: dt.datetime, now: dt.datetime, *,
                              dry_run: bool = False) -> list[int]:
    """Close tickets open with no message since the cut-off (closed_by "purge"); returns their ids."""
    tickets, messages = _c(TicketRow), _c(TicketMessage)
    recent = exists().where(messages.ticket_id == tickets.id, messages.created_at >= cutoff)
    stale = select(tickets.id).where(
        tickets.status == "open", tickets.created_at < cutoff, tickets.last_user_message_at < cutoff, ~recent)
    ids = list((await conn.execute(stale)).scalars())
    if ids and not dry_run:
        await conn.execute(update(TicketRow.__table__).where(tickets.id.in_(ids)).values(
            status="closed", closed_at=now, closed_by="purge"))
    return ids


async def _blank(conn: AsyncConnection, step: Blanking, where: tuple[ColumnElement[bool], ...],
                 dry_run: bool) -> int:
    table = step.column.table
    where = (*where, step.column != step.blank, step.only if step.only is not None else true())
    if dry_run:
        return (await conn.execute(select(func.count()).select_from(table).where(*where))).scalar_one()
    return (await conn.execute(update(table).where(*where).values({step.column.key: step.blank}))).rowcount


async def _delete(conn: AsyncConnection, seen: Any, cutoff: dt.datetime, dry_run: bool) -> int:
    if dry_run:
        return (await conn.execute(select(func.count()).select_from(seen.table).where(seen < cutoff))).scalar_one()
    return (await conn.execute(delete(seen.table).where(seen < cutoff))).rowcount


async def purge(engine: AsyncEngine, older_than: dt.timedelta, *, dry_run: bool = False,
                now: dt.datetime | None = None, identifiers_key: bytes | None = None) -> dict[str, int]:
    """Blank every text older than `older_than`, in one transaction; returns counts by label.

    Stale open tickets are closed first and blanked in the same run; with `identifiers_key`, the
    ids of users gone for the whole period become pseudonyms (`bot.ops.pseudonyms`).
    """
    now = now or utcnow()
    cutoff = now - older_than
    async with engine.begin() as conn:
        stale = await close_stale_tickets(conn, cutoff, now, dry_run=dry_run)
        counts = {STALE: len(stale)}
        for step in BLANKINGS:
            when = step.when < cutoff
            if step.column.table is TicketRow.__table__ and stale:
                when = when | _c(TicketRow).id.in_(stale)
            counts[step.label] = await _blank(conn, step, (when,), dry_run)
        for label, seen in DELETIONS:
            counts[label] = await _delete(conn, seen, cutoff, dry_run)
        if identifiers_key is not None:
            counts |= await pseudonyms.pseudonymise(conn, cutoff, identifiers_key, closing=stale,
                                                              dry_run=dry_run)
    return counts
