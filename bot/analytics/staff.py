"""Consultants' figures: tickets, time to first reply in working hours, CSAT, reopenings.

Counted per consultant (the ticket's assignee) and per topic (the entry of the
last question the bot tried before the ticket opened, "-" when it had none).
"""

from __future__ import annotations

import datetime as dt
import json
import statistics
from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import ColumnElement, ScalarSelect, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.db.models import TicketMessage, TicketRow, aware
from handlers.ports import Direction
from handlers.working_hours import WorkingHours

UNASSIGNED = "-"


@dataclass
class StaffFigures:
    """One consultant's or one topic's tickets in the period."""

    name: str
    tickets: int = 0
    replied: int = 0
    first_reply_seconds: list[float] = field(default_factory=list, repr=False)
    ratings: Counter[int] = field(default_factory=Counter)
    reopened: int = 0

    @property
    def median_first_reply(self) -> float | None:
        """Working seconds from opening to the first reply, median of the tickets answered."""
        return statistics.median(self.first_reply_seconds) if self.first_reply_seconds else None

    @property
    def csat(self) -> float | None:
        total = sum(self.ratings.values())
        return sum(k * v for k, v in self.ratings.items()) / total if total else None

    def add(self, first_reply: float | None, rating: int | None, reopened: int) -> None:
        self.tickets += 1
        if first_reply is not None:
            self.replied += 1
            self.first_reply_seconds.append(first_reply)
        if rating is not None:
            self.ratings[rating] += 1
        self.reopened += reopened


def ticket_topic(history: str) -> str:
    """The entry of the last question the bot tried before the ticket, "-" when none."""
    try:
        questions = json.loads(history or "[]")
    except ValueError:
        return UNASSIGNED
    topics = [q.get("topic") for q in questions if isinstance(q, dict) and q.get("topic")]
    return topics[-1] if topics else UNASSIGNED


def a_reply() -> tuple[ColumnElement[bool], ...]:
    """A consultant's text to the user (not the desk's own notices): what "replied" means."""
    return (TicketMessage.direction == Direction.TO_USER.value, TicketMessage.kind == "text",
            TicketMessage.author != "")


def first_reply_at(ticket_id: ColumnElement[int]) -> ScalarSelect[dt.datetime]:
    """When the ticket got its first reply, as a subquery per ticket (reads its messages by index)."""
    return (select(func.min(TicketMessage.created_at)).where(TicketMessage.ticket_id == ticket_id, *a_reply())
            .scalar_subquery())


async def staff_figures(conn: AsyncConnection, since: dt.datetime,
                        hours: WorkingHours) -> tuple[list[StaffFigures], list[StaffFigures]]:
    """(per consultant, per topic), most tickets first."""
    first_reply = (select(TicketMessage.ticket_id, func.min(TicketMessage.created_at).label("at"))
                   .where(*a_reply()).group_by(TicketMessage.ticket_id).subquery())
    rows = await conn.execute(
        select(TicketRow.assignee, TicketRow.history, TicketRow.created_at, first_reply.c.at, TicketRow.rating,
               TicketRow.reopened)
        .outerjoin(first_reply, first_reply.c.ticket_id == TicketRow.id).where(TicketRow.created_at >= since))
    people: dict[str, StaffFigures] = {}
    topics: dict[str, StaffFigures] = {}
    for assignee, history, opened, replied, rating, reopened in rows:
        wait = hours.working_seconds(aware(opened), aware(replied)) if replied is not None else None
        for table, key in ((people, assignee or UNASSIGNED), (topics, ticket_topic(history))):
            table.setdefault(key, StaffFigures(key)).add(wait, rating, reopened or 0)
    def order(table: dict[str, StaffFigures]) -> list[StaffFigures]:
        return sorted(table.values(), key=lambda f: (-f.tickets, f.name))
    return order(people), order(topics)
