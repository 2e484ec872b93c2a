"""The period a page shows: the last N local days, today included (the period picker)."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Mapping
from dataclasses import dataclass

CHOICES = (1, 7, 30, 90)
DEFAULT = 7


@dataclass(frozen=True)
class Period:
    days: int
    since: dt.datetime  # local midnight of the first day, as an aware UTC time
    dates: tuple[dt.date, ...]  # every local day of the period, oldest first


def period_of(query: Mapping[str, str], zone: str, now: dt.datetime) -> Period:
    """From `?days=`; anything but a choice shows the default (a picker offers nothing else)."""
    text = query.get("days", "")
    days = int(text) if text.isdigit() and int(text) in CHOICES else DEFAULT
    local = zoneinfo.ZoneInfo(zone)
    today = now.astimezone(local).date()
    first = today - dt.timedelta(days=days - 1)
    since = dt.datetime(first.year, first.month, first.day, tzinfo=local).astimezone(dt.UTC)
    return Period(days, since, tuple(first + dt.timedelta(days=n) for n in range(days)))
