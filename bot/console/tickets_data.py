"""Tickets for the console: a filtered list, newest first, a page at a time, and one ticket's transcript."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass, replace

from sqlalchemy import distinct, select
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.db.models import TicketMessage, TicketRow, aware
from bot.db.tickets import SAID_KINDS

PAGE = 50
STATUSES = ("open", "closed", "all")
CHANNELS = ("telegram", "whatsapp")
LANGS = ("kk", "ru")
NOBODY = "-"  # the assignee filter's "nobody took it yet"


@dataclass(frozen=True)
class Filters:
    status: str = "all"
    assignee: str = ""  # "" any, NOBODY, or a consultant
    channel: str = ""
    lang: str = ""
    centre: str = ""
    before: int | None = None  # the page after the one that ended above this id

    def query(self, **changes: object) -> dict[str, str]:
        """These filters as URL parameters (without the empty ones), with `changes` applied."""
        values = vars(replace(self, **changes))  # type: ignore[arg-type]
        return {k: str(v) for k, v in values.items() if v not in ("", None)}


@dataclass(frozen=True)
class Listed:
    id: int
    created_at: dt.datetime
    channel: str
    lang: str
    name: str
    centre: str
    assignee: str
    status: str
    rating: int | None


@dataclass(frozen=True)
class Said:
    direction: str  # to_consultants (the user), to_user (a consultant), note (internal)
    kind: str
    author: str
    text: str
    status: str  # sent, held, pending, failed; internal for notes
    at: dt.datetime


def filters_of(query: Mapping[str, str]) -> Filters:
    """What the filter form asked; a value no form offers is ignored (the list then shows more)."""
    before = query.get("before", "")
    return Filters(status=query.get("status", "all") if query.get("status") in STATUSES else "all",
                   assignee=query.get("assignee", "")[:256],
                   channel=query.get("channel", "") if query.get("channel") in CHANNELS else "",
                   lang=query.get("lang", "") if query.get("lang") in LANGS else "",
                   centre=query.get("centre", "")[:32],
                   before=int(before) if before.isdigit() else None)


def _where(filters: Filters) -> list[object]:
    conditions: list[object] = []
    if filters.status != "all":
        conditions.append(TicketRow.status == filters.status)
    if filters.assignee:
        conditions.append(TicketRow.assignee == ("" if filters.assignee == NOBODY else filters.assignee))
    for column, value in ((TicketRow.channel, filters.channel), (TicketRow.lang, filters.lang),
                          (TicketRow.centre, filters.centre)):
        if value:
            conditions.append(column == value)
    if filters.before is not None:
        conditions.append(TicketRow.id < filters.before)
    return conditions


async def listed(conn: AsyncConnection, filters: Filters) -> tuple[list[Listed], bool]:
    """A page of tickets, newest first, and whether older ones follow."""
    rows = await conn.execute(
        select(TicketRow.id, TicketRow.created_at, TicketRow.channel, TicketRow.lang, TicketRow.name, TicketRow.centre,
               TicketRow.assignee, TicketRow.status, TicketRow.rating)
        .where(*_where(filters)).order_by(TicketRow.id.desc()).limit(PAGE + 1))
    found = [Listed(r.id, aware(r.created_at), r.channel, r.lang, r.name, r.centre, r.assignee, r.status, r.rating)
             for r in rows]
    return found[:PAGE], len(found) > PAGE


async def choices(conn: AsyncConnection) -> dict[str, list[str]]:
    """The assignees and centres tickets have, for the filter form's lists."""
    assignees = await conn.scalars(select(distinct(TicketRow.assignee)).where(TicketRow.assignee != "")
                                   .order_by(TicketRow.assignee))
    centres = await conn.scalars(select(distinct(TicketRow.centre)).order_by(TicketRow.centre))
    return {"assignees": list(assignees), "centres": list(centres)}


async def transcript(conn: AsyncConnection, ticket_id: int) -> tuple[dict[str, object], list[dict[str, str]],
                                                                      list[Said]] | None:
    """The ticket's card, what the bot tried before it, and its conversation; None when there is none."""
    ticket = (await conn.execute(select(TicketRow.__table__).where(TicketRow.id == ticket_id))).mappings().first()
    if ticket is None:
        return None
    rows = await conn.execute(
        select(TicketMessage.direction, TicketMessage.kind, TicketMessage.author, TicketMessage.text,
               TicketMessage.status, TicketMessage.created_at)
        .where(TicketMessage.ticket_id == ticket_id, TicketMessage.kind.in_(SAID_KINDS))
        .order_by(TicketMessage.id))
    said = [Said(d, k, author, text, status, aware(at)) for d, k, author, text, status, at in rows]
    try:
        history = [q for q in json.loads(ticket["history"] or "[]") if isinstance(q, dict)]
    except ValueError:
        history = []
    return dict(ticket), history, said

