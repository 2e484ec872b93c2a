"""The knowledge page's table: every entry with its dates, owner and how users took its answers.

Counts come from the question log and the feedback the desk already writes,
in two grouped queries (answers by topic; verdicts by topic), so the page
costs the same with one entry or a hundred.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.db.models import Feedback, Question
from knowledge import Entry, KnowledgeBase


@dataclass(frozen=True)
class Uses:
    answers: int = 0
    helpful: int = 0
    not_helpful: int = 0


@dataclass(frozen=True)
class EntryRow:
    entry: Entry
    uses: Uses
    overdue: bool  # its review date has passed

    @property
    def checked(self) -> str:
        return f"{self.entry.checked:%d.%m.%Y}"

    @property
    def review_by(self) -> str:
        return f"{self.entry.review_by:%d.%m.%Y}"


async def uses_by_entry(conn: AsyncConnection, since: dt.datetime | None = None,
                        entry_id: str | None = None) -> dict[str, Uses]:
    """Answers given per entry and the verdicts on them (all time, or from `since`; every entry, or one)."""
    q, f = Question.__table__, Feedback.__table__
    answered = select(q.c.topic, func.count()).where(q.c.decision == "answer", q.c.topic.is_not(None))
    verdicts = (select(q.c.topic, func.sum(case((f.c.helpful, 1), else_=0)),
                       func.sum(case((f.c.helpful, 0), else_=1)))
                .join(f, f.c.question_id == q.c.id).where(q.c.topic.is_not(None)))
    if since is not None:
        # Verdicts by their own time: read from the (small) feedback table, never by a scan of the log's dates.
        answered, verdicts = answered.where(q.c.created_at >= since), verdicts.where(f.c.created_at >= since)
    if entry_id is not None:
        answered, verdicts = answered.where(q.c.topic == entry_id), verdicts.where(q.c.topic == entry_id)
    answers = dict((await conn.execute(answered.group_by(q.c.topic))).tuples().all())
    judged = {topic: (int(yes or 0), int(no or 0))
              for topic, yes, no in await conn.execute(verdicts.group_by(q.c.topic))}
    return {topic: Uses(int(answers.get(topic, 0)), *judged.get(topic, (0, 0)))
            for topic in answers.keys() | judged.keys()}


def entry_rows(base: KnowledgeBase, uses: dict[str, Uses], today: dt.date) -> list[EntryRow]:
    """Entries in category order, then the base's own order."""
    order = {c.id: c.order for c in base.categories}
    entries = sorted(base.entries, key=lambda e: order.get(e.category, len(order)))
    return [EntryRow(e, uses.get(e.id, Uses()), e.review_by < today) for e in entries]
