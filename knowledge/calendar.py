"""The deadlines users can subscribe to: streams of events and when each reminder is due.

Pure: `calendar.yaml` is read by `knowledge.calendar_file`; here an event knows
its occurrences (every year on a day, or once on a date) and a calendar tells
which reminders fall due at a moment. A reminder is due from its send time
(`offset` days before the occurrence, at the desk's hour of day) until the
occurrence itself; of several due for one occurrence only the one closest to the
deadline is kept, so a desk that was down for days sends one timely reminder,
not three late ones.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from zoneinfo import ZoneInfo

DEFAULT_OFFSETS = (30, 7, 1)
MAX_OFFSET = 365


@dataclass(frozen=True)
class Stream:
    """A topic one subscribes to: its name and the knowledge entries that offer it."""

    id: str
    name: dict[str, str]
    topics: tuple[str, ...] = ()


@dataclass(frozen=True)
class Event:
    """A deadline: yearly on (month, day), or once on `date` (a call open from `opens`)."""

    id: str
    stream: str
    title: dict[str, str]  # a few words, for lists and the reminder's first line
    text: dict[str, str]
    link: str
    yearly: tuple[int, int] | None = None
    date: dt.date | None = None
    opens: dt.date | None = None
    offsets: tuple[int, ...] = DEFAULT_OFFSETS
    regions: frozenset[str] = frozenset()  # empty: the whole country

    def occurrences(self, first: dt.date, last: dt.date) -> list[dt.date]:
        """The event's dates from `first` to `last`, both included."""
        if self.date is not None:
            return [self.date] if first <= self.date <= last else []
        if self.yearly is None:
            return []
        month, day = self.yearly
        return [d for year in range(first.year, last.year + 1)
                if first <= (d := dt.date(year, month, day)) <= last]

    def covers(self, region: str | None) -> bool:
        """Whether a subscriber of this region (None: not known) is concerned."""
        return not self.regions or region in self.regions


@dataclass(frozen=True)
class Due:
    """One reminder of one occurrence of an event, and when it is sent."""

    event: Event
    occurrence: dt.date
    offset: int
    send_at: dt.datetime  # aware, UTC

    @property
    def key(self) -> tuple[str, dt.date, int]:
        return (self.event.id, self.occurrence, self.offset)


@dataclass(frozen=True)
class Calendar:
    streams: tuple[Stream, ...] = ()
    events: tuple[Event, ...] = ()

    def stream_of(self, entry_id: str) -> Stream | None:
        """The stream an answer on this entry offers (the first that lists it)."""
        return self._stream_of.get(entry_id)

    @functools.cached_property
    def _stream_of(self) -> dict[str, Stream]:
        """Entry -> the first stream that lists it: every answer asks, and most entries have none."""
        first: dict[str, Stream] = {}
        for stream in self.streams:
            for topic in stream.topics:
                first.setdefault(topic, stream)
        return first

    def stream(self, stream_id: str) -> Stream | None:
        return next((s for s in self.streams if s.id == stream_id), None)

    def of_stream(self, stream_id: str) -> list[Event]:
        return [e for e in self.events if e.stream == stream_id]

    def reminders(self, first: dt.date, last: dt.date, zone: ZoneInfo, at: dt.time) -> list[Due]:
        """Every reminder of an occurrence from `first` to `last`, at `at` local time, by send time."""
        found = [Due(event, day, offset, _send_at(day, offset, zone, at))
                 for event in self.events
                 for day in event.occurrences(first, last + dt.timedelta(days=MAX_OFFSET))
                 for offset in event.offsets]
        return sorted((d for d in found if first <= d.send_at.astimezone(zone).date() <= last),
                      key=lambda d: (d.send_at, d.key))

    def due(self, now: dt.datetime, zone: ZoneInfo, at: dt.time) -> list[Due]:
        """The reminders to send at `now`: sent before their occurrence, the latest of each occurrence."""
        today = now.astimezone(zone).date()
        latest: dict[tuple[str, dt.date], Due] = {}
        for event in self.events:
            for day in event.occurrences(today, today + dt.timedelta(days=MAX_OFFSET)):
                for offset in event.offsets:
                    send_at = _send_at(day, offset, zone, at)
                    kept = latest.get((event.id, day))
                    if send_at <= now and (kept is None or offset < kept.offset):
                        latest[(event.id, day)] = Due(event, day, offset, send_at)
        return sorted(latest.values(), key=lambda d: (d.send_at, d.key))

    def upcoming(self, stream_id: str, today: dt.date) -> list[tuple[Event, dt.date]]:
        """The stream's next occurrences within a year, soonest first."""
        horizon = today + dt.timedelta(days=MAX_OFFSET)
        found = [(e, d) for e in self.of_stream(stream_id) for d in e.occurrences(today, horizon)]
        return sorted(found, key=lambda pair: pair[1])


def _send_at(day: dt.date, offset: int, zone: ZoneInfo, at: dt.time) -> dt.datetime:
    local = dt.datetime.combine(day - dt.timedelta(days=offset), at, tzinfo=zone)
    return local.astimezone(dt.UTC)
