"""The dashboard's ticket figures: open and waiting now; opened, answered, first-reply time and
CSAT in the period. The same definitions as the report's consultants' figures (bot/analytics/staff),
read lighter: the first reply per ticket by index, and the working time from opening to the first
reply kept per ticket once known (it never changes), so a view counts only tickets answered since."""

from __future__ import annotations

import datetime as dt
import statistics
from collections import Counter
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.analytics.staff import first_reply_at
from bot.db.models import TicketRow, aware
from handlers.working_hours import WorkingHours

KEEP = dt.timedelta(days=100)  # longer than any period the dashboard offers


@dataclass(frozen=True)
class TicketFigures:
    open: int
    waiting: int  # open and nobody took it yet
    opened: int  # in the period
    replied: int
    median_first_reply: float | None  # working seconds
    ratings: dict[int, int]  # 1..5 -> tickets
    csat: float | None


class TicketSummary:
    def __init__(self, engine: AsyncEngine, hours: WorkingHours) -> None:
        self.engine, self.hours = engine, hours
        self._waits: dict[int, tuple[dt.datetime, float]] = {}  # ticket -> (opened, working seconds)

    async def figures(self, since: dt.datetime) -> TicketFigures:
        async with self.engine.connect() as conn:
            open_, waiting = (await conn.execute(select(func.count(), func.count().filter(TicketRow.assignee == ""))
                                                 .where(TicketRow.status == "open"))).one()
            rows = (await conn.execute(select(TicketRow.id, TicketRow.created_at, first_reply_at(TicketRow.id),
                                              TicketRow.rating)
                                       .where(TicketRow.created_at >= since))).all()
        waits = [self._wait(ticket, aware(opened), aware(replied)) for ticket, opened, replied, _ in rows
                 if replied is not None]
        ratings = Counter(rating for *_, rating in rows if rating is not None)
        rated = sum(ratings.values())
        self._forget(since)
        return TicketFigures(open_, waiting, len(rows), len(waits), statistics.median(waits) if waits else None,
                             {n: ratings.get(n, 0) for n in range(1, 6)},
                             sum(k * v for k, v in ratings.items()) / rated if rated else None)

    def _wait(self, ticket: int, opened: dt.datetime, replied: dt.datetime) -> float:
        known = self._waits.get(ticket)
        if known is None:
            known = self._waits[ticket] = (opened, self.hours.working_seconds(opened, replied))
        return known[1]

    def _forget(self, since: dt.datetime) -> None:
        if len(self._waits) > 1000:
            oldest = since - KEEP
            for ticket in [t for t, (opened, _) in self._waits.items() if opened < oldest]:
                del self._waits[ticket]
