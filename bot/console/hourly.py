"""Counts of the question log by hour, with the hours that are over kept in memory.

An hour's questions do not change once it is over (rows are only added, at the time they
are logged; `GRACE` lets the last commits of an hour land), so its counts are read from the
database once per process and kept, and each view reads only the current hour's questions.
The dashboard of a busy week then costs about the same as a quiet one's
(benchmarks/console.py); the first view after a start reads the whole period once.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.analytics.daily import HourGroup, hour_groups
from bot.console.period import CHOICES, Period
from handlers.ports import Clock

HOUR = dt.timedelta(hours=1)
GRACE = dt.timedelta(minutes=2)


def hour_start(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(dt.UTC).replace(minute=0, second=0, microsecond=0)


class HourlyCounts:
    def __init__(self, engine: AsyncEngine, zone: str, clock: Clock) -> None:
        self.engine, self.clock = engine, clock
        self.zone = zoneinfo.ZoneInfo(zone)
        self._hours: dict[dt.datetime, list[HourGroup]] = {}  # closed hours only

    async def groups(self, period: Period) -> list[HourGroup]:
        """Every group of the period: the closed hours as kept (read once), the current ones afresh."""
        settled = hour_start(self.clock() - GRACE)  # the hours before this one are over
        first = hour_start(period.since)
        hours = [first + n * HOUR for n in range(int((settled - first) / HOUR))]
        missing = [hour for hour in hours if hour not in self._hours]
        if missing:
            await self._keep(missing[0], settled)
        async with self.engine.connect() as conn:
            current = await hour_groups(conn, max(settled, first))
        return [g for hour in hours for g in self._hours[hour]] + current

    async def _keep(self, first: dt.datetime, settled: dt.datetime) -> None:
        """Read the closed hours from `first` on in one query; forget those no period reaches."""
        async with self.engine.connect() as conn:
            found = await hour_groups(conn, first, settled)
        by_hour: dict[dt.datetime, list[HourGroup]] = {}
        for group in found:
            by_hour.setdefault(group.hour, []).append(group)
        for n in range(int((settled - first) / HOUR)):
            hour = first + n * HOUR
            self._hours[hour] = by_hour.get(hour, [])
        oldest = settled - dt.timedelta(days=max(CHOICES) + 1)
        for hour in [hour for hour in self._hours if hour < oldest]:
            del self._hours[hour]
