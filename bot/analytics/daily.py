"""Messages per hour, channel, language and decision: counted by the database, in one query.

The dashboard draws these for any period, so they must not cost a pass over every
question in Python (as the full report's successor analysis does): the database groups
the rows by UTC hour, and only the groups come back; the caller turns hours into local
days (Kazakhstan's zones are whole hours from UTC, so an hour never straddles two days).
Buttons logged as questions ("[button] ...", topics from a menu) are left out, as in
the report.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass

from sqlalchemy import func, literal_column, select
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.analytics.questions import BUTTON
from bot.db.models import Question, User


@dataclass(frozen=True)
class HourGroup:
    hour: dt.datetime  # its start, UTC
    channel: str
    lang: str
    decision: str
    messages: int


def _hour(dialect: str):  # type: ignore[no-untyped-def]
    created = Question.__table__.c.created_at
    if dialect == "postgresql":
        return func.date_trunc("hour", created.op("AT TIME ZONE")(literal_column("'UTC'")))
    return func.substr(created, 1, 13)  # SQLite keeps UTC text: "2026-12-06 14"


def _as_hour(value: dt.datetime | str) -> dt.datetime:
    if isinstance(value, str):
        value = dt.datetime.strptime(value, "%Y-%m-%d %H")
    return value.replace(tzinfo=dt.UTC)


async def hour_groups(conn: AsyncConnection, since: dt.datetime,
                      until: dt.datetime | None = None) -> list[HourGroup]:
    """The groups of the questions logged from `since` (until `until`, when given)."""
    q, users = Question.__table__, User.__table__
    hour = _hour(conn.dialect.name).label("hour")
    period = [q.c.created_at >= since] + ([q.c.created_at < until] if until is not None else [])
    rows = await conn.execute(
        select(hour, users.c.channel, q.c.lang, q.c.decision, func.count())
        .join(users, users.c.id == q.c.user_id)
        .where(*period, q.c.decision != "menu", ~q.c.text.startswith(BUTTON, autoescape=True))
        .group_by(hour, users.c.channel, q.c.lang, q.c.decision))
    return [HourGroup(_as_hour(h), channel, lang, decision, n) for h, channel, lang, decision, n in rows]


def decision_mix(groups: list[HourGroup]) -> Counter[str]:
    mix: Counter[str] = Counter()
    for group in groups:
        mix[group.decision] += group.messages
    return mix
