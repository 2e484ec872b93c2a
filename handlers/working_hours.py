"""When the civic centre's consultants work: pure, so the desk can promise an honest time.

A schedule reads like the notice on the centre's door: "Mon-Fri 09:00-18:00",
several spans a day for a lunch break ("Mon-Fri 09:00-13:00,14:00-18:00"),
groups separated by ";" ("Mon-Fri 09:00-18:00; Sat 10:00-14:00"). Holidays are
"MM-DD" (every year) or "YYYY-MM-DD" (one year: moveable feasts, transferred
days off), in the centre's time zone.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from itertools import pairwise
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# Days off of Kazakhstan with a fixed date (the Law on holidays in the Republic of
# Kazakhstan): New Year, Orthodox Christmas, 8 March, Nauryz, Unity Day, Defender's Day,
# Victory Day, Capital Day, Constitution Day, Republic Day, Independence Day. Kurban Ait
# and the days off the government moves change yearly: add them as YYYY-MM-DD.
KZ_HOLIDAYS = "01-01,01-02,01-07,03-08,03-21,03-22,03-23,05-01,05-07,05-09,07-06,08-30,10-25,12-16"
DEFAULT_HOURS = "Mon-Fri 09:00-18:00"
DEFAULT_TIMEZONE = "Asia/Almaty"
SEARCH_DAYS = 400  # a schedule that never opens within a year is treated as never opening
_TIME = re.compile(r"^(\d{1,2}):(\d{2})$")


@dataclass(frozen=True)
class Span:
    """One opening span of a day, in minutes since midnight (end may be 24:00)."""

    start: int
    end: int

    def label(self) -> str:
        return f"{_hhmm(self.start)}–{_hhmm(self.end)}"


@dataclass(frozen=True)
class WorkingHours:
    week: tuple[tuple[Span, ...], ...]  # seven days, Monday first
    zone: ZoneInfo
    yearly: frozenset[tuple[int, int]]  # (month, day)
    dates: frozenset[dt.date]

    @classmethod
    def parse(cls, schedule: str = DEFAULT_HOURS, timezone: str = DEFAULT_TIMEZONE,
              holidays: str = KZ_HOLIDAYS) -> WorkingHours:
        """Read the settings; a ValueError says which part is wrong."""
        try:
            zone = ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {timezone!r} (e.g. Asia/Almaty)") from None
        yearly, dates = _holidays(holidays)
        return cls(_week(schedule), zone, yearly, dates)

    def is_holiday(self, day: dt.date) -> bool:
        return day in self.dates or (day.month, day.day) in self.yearly

    def spans(self, day: dt.date) -> tuple[Span, ...]:
        return () if self.is_holiday(day) else self.week[day.weekday()]

    def local(self, at: dt.datetime) -> dt.datetime:
        return at.astimezone(self.zone)

    def is_open(self, at: dt.datetime) -> bool:
        now = self.local(at)
        minute = now.hour * 60 + now.minute
        return any(span.start <= minute < span.end for span in self.spans(now.date()))

    def next_opening(self, at: dt.datetime) -> dt.datetime | None:
        """The first moment at or after `at` when consultants work (local time); None if never."""
        now = self.local(at)
        for offset in range(SEARCH_DAYS):
            day = now.date() + dt.timedelta(days=offset)
            for span in self.spans(day):
                start = _at(day, span.start, self.zone)
                end = _at(day, span.end, self.zone)
                if now < end:
                    return max(start, now)
        return None

    def working_seconds(self, start: dt.datetime, end: dt.datetime) -> float:
        """Seconds of working time between two moments (0 when `end` is not after `start`)."""
        begin, finish = self.local(start), self.local(end)
        total = 0.0
        day = begin.date()
        while day <= finish.date() and (day - begin.date()).days <= SEARCH_DAYS:
            for span in self.spans(day):
                opened = max(begin, _at(day, span.start, self.zone))
                closed = min(finish, _at(day, span.end, self.zone))
                total += max(0.0, (closed - opened).total_seconds())
            day += dt.timedelta(days=1)
        return total

    def describe(self, day_names: Sequence[str]) -> str:
        """The schedule for people: "Mon–Fri 09:00–18:00; Sat 10:00–14:00" in their language."""
        parts = []
        for first, last, spans in _runs(self.week):
            days = day_names[first] if first == last else f"{day_names[first]}–{day_names[last]}"
            parts.append(f"{days} {', '.join(s.label() for s in spans)}")
        return "; ".join(parts)

    def utc_offset(self, at: dt.datetime) -> str:
        """"UTC+5" for Almaty: clearer to a reader in any region than a zone name."""
        offset = self.local(at).utcoffset() or dt.timedelta()
        minutes = int(offset.total_seconds()) // 60
        sign = "+" if minutes >= 0 else "-"
        hours, rest = divmod(abs(minutes), 60)
        return f"UTC{sign}{hours}" + (f":{rest:02d}" if rest else "")


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _at(day: dt.date, minutes: int, zone: ZoneInfo) -> dt.datetime:
    midnight = dt.datetime.combine(day, dt.time(), zone)
    return midnight + dt.timedelta(minutes=minutes)


def _minutes(text: str) -> int:
    match = _TIME.match(text.strip())
    if not match:
        raise ValueError(f"{text!r} is not a time like 09:00")
    hours, minutes = int(match[1]), int(match[2])
    if minutes > 59 or hours > 24 or (hours == 24 and minutes):
        raise ValueError(f"{text!r} is not a time of day")
    return hours * 60 + minutes


def _days(text: str) -> list[int]:
    days: list[int] = []
    for part in text.lower().split(","):
        first, _sep, last = part.strip().partition("-")
        if first not in DAYS or (last and last not in DAYS):
            raise ValueError(f"{part.strip()!r}: days are written Mon, Tue ... Sun, or a range Mon-Fri")
        start, end = DAYS.index(first), DAYS.index(last or first)
        if end < start:
            raise ValueError(f"{part.strip()!r}: a range goes from Monday towards Sunday")
        days.extend(range(start, end + 1))
    return days


def _spans(text: str) -> tuple[Span, ...]:
    spans = []
    for part in text.split(","):
        start, sep, end = part.partition("-")
        if not sep:
            raise ValueError(f"{part.strip()!r} is not a span like 09:00-18:00")
        span = Span(_minutes(start), _minutes(end))
        if span.end <= span.start:
            raise ValueError(f"{part.strip()!r} ends before it starts (split a night shift at 24:00)")
        spans.append(span)
    spans.sort(key=lambda s: s.start)
    if any(a.end > b.start for a, b in pairwise(spans)):
        raise ValueError(f"{text.strip()!r} has overlapping spans")
    return tuple(spans)


def _week(schedule: str) -> tuple[tuple[Span, ...], ...]:
    week: list[tuple[Span, ...]] = [()] * 7
    for group in filter(None, (g.strip() for g in schedule.split(";"))):
        days, _sep, times = group.partition(" ")
        if not times.strip():
            raise ValueError(f"{group!r} is not like 'Mon-Fri 09:00-18:00'")
        spans = _spans(times.replace(" ", ""))
        for day in _days(days):
            if week[day]:
                raise ValueError(f"{DAYS[day].title()} appears twice in {schedule!r}")
            week[day] = spans
    return tuple(week)


def _holidays(text: str) -> tuple[frozenset[tuple[int, int]], frozenset[dt.date]]:
    yearly, dates = set(), set()
    for token in filter(None, (t.strip() for t in text.split(","))):
        try:
            if token.count("-") == 2:
                dates.add(dt.date.fromisoformat(token))
            else:
                day = dt.date.fromisoformat(f"2000-{token}")  # a leap year: 02-29 is valid
                yearly.add((day.month, day.day))
        except ValueError:
            raise ValueError(f"holiday {token!r} is not MM-DD or YYYY-MM-DD") from None
    return frozenset(yearly), frozenset(dates)


def _runs(week: tuple[tuple[Span, ...], ...]) -> Iterator[tuple[int, int, tuple[Span, ...]]]:
    """Consecutive working days with the same spans, as (first, last, spans)."""
    day = 0
    while day < 7:
        spans, last = week[day], day
        while last + 1 < 7 and week[last + 1] == spans:
            last += 1
        if spans:
            yield day, last, spans
        day = last + 1
