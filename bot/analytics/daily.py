"""Messages per local day, channel, language and decision: counted by the database, in one query.

The dashboard draws these for any period, so they must not cost a pass over every
question in Python (as the full report's successor analysis does): the database
groups the rows, and only a few hundred groups come back. Buttons logged as
questions ("[button] ...", topics from a menu) are left out, as in the report.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections import Counter
from dataclasses import dataclass

from sqlalchemy import func, literal_column, select
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.analytics.questions import BUTTON
from bot.db.models import Question, User


@dataclass(frozen=True)
class DayGroup:
    day: dt.date
    channel: str
    lang: str
    decision: str
    messages: int


def _local_day(dialect: str, zone: str, at: dt.datetime):  # type: ignore[no-untyped-def]
    """The SQL of a timestamp's calendar day in the desk's time zone."""
    created = Question.__table__.c.created_at
    if dialect == "postgresql":
        return func.date(func.timezone(zone, created))
    # SQLite keeps UTC text: shift by the zone's offset (Kazakhstan's zones keep no summer time).
    offset = zoneinfo.ZoneInfo(zone).utcoffset(at.replace(tzinfo=None)) or dt.timedelta()
    return func.date(created, literal_column(f"'{int(offset.total_seconds() // 60):+d} minutes'"))


async def day_groups(conn: AsyncConnection, since: dt.datetime, zone: str) -> list[DayGroup]:
    q, users = Question.__table__, User.__table__
    day = _local_day(conn.dialect.name, zone, since).label("day")
    rows = await conn.execute(
        select(day, users.c.channel, q.c.lang, q.c.decision, func.count())
        .join(users, users.c.id == q.c.user_id)
        .where(q.c.created_at >= since, q.c.decision != "menu", ~q.c.text.startswith(BUTTON, autoescape=True))
        .group_by(day, users.c.channel, q.c.lang, q.c.decision))
    return [DayGroup(d if isinstance(d, dt.date) else dt.date.fromisoformat(d), channel, lang, decision, n)
            for d, channel, lang, decision, n in rows]


def decision_mix(groups: list[DayGroup]) -> Counter[str]:
    mix: Counter[str] = Counter()
    for group in groups:
        mix[group.decision] += group.messages
    return mix
