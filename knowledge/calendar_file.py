"""Read and validate `calendar.yaml`: every problem as `file: field: problem`, all at once.

Curators edit the file, so `kb check` reports a wrong stream, a 31 February, a
region not in `regions.yaml`, a missing Kazakh text or an offset of -3 before
anything reaches a subscriber. An event states a legal deadline, so it carries
its source and the date it was checked, like an entry.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from knowledge.calendar import DEFAULT_OFFSETS, MAX_OFFSET, Calendar, Event, Stream
from knowledge.collector import Collector, Problem
from knowledge.loader import _date, _read_yaml
from knowledge.regions import Regions, names

FILE = "calendar.yaml"
ID = re.compile(r"[a-z0-9][a-z0-9.-]*")
YEARLY = re.compile(r"(\d\d)-(\d\d)")
MAX_STREAMS = 7  # a WhatsApp list holds 10 rows: the streams, "stop all", back and the menu
NAME_LIMIT = 20  # a WhatsApp list row's title is 24 characters, with room for a mark
TITLE_LIMIT = 80
TEXT_LIMIT = 600  # one short message; also a template's parameter


def _stream(c: Collector, item: Any, entry_ids: set[str]) -> Stream | None:
    where = f"streams.{item.get('id') if isinstance(item, dict) else '?'}"
    if not isinstance(item, dict) or not ID.fullmatch(str(item.get("id", ""))):
        c.error(where, "each stream needs an id of a-z, 0-9, . and -")
        return None
    topics = item.get("topics") or []
    if not isinstance(topics, list):
        c.error(f"{where}.topics", "must be a list of entry ids")
        topics = []
    for topic in topics:
        if str(topic) not in entry_ids:
            c.error(f"{where}.topics", f"'{topic}' is not an entry id")
    name = names(c, item, where)
    for lang, text in name.items():
        if len(text) > NAME_LIMIT:
            c.error(f"{where}.name.{lang}", f"{len(text)} characters, a WhatsApp row shows {NAME_LIMIT}")
    return Stream(str(item["id"]), name, tuple(str(t) for t in topics))


def _when(c: Collector, item: dict[str, Any], where: str) -> dict[str, Any]:
    """`yearly: "MM-DD"`, or `date` (and an optional `opens`) as YYYY-MM-DD."""
    if ("yearly" in item) == ("date" in item):
        c.error(where, "give either `yearly: MM-DD` or `date: YYYY-MM-DD`")
        return {}
    if "yearly" in item:
        match = YEARLY.fullmatch(str(item["yearly"]))
        try:
            month, day = (int(match.group(1)), int(match.group(2))) if match else (0, 0)
            dt.date(2027, month, day)  # not a leap year: 29 February has no date most years
        except ValueError:
            c.error(f"{where}.yearly", f"'{item['yearly']}' is not a day of every year (MM-DD, quoted)")
            return {}
        return {"yearly": (month, day)}
    found = _Fields(c, where)
    date, opens = _date(found, item, "date"), _date(found, item, "opens") if "opens" in item else None
    if date and opens and opens > date:
        c.error(f"{where}.opens", f"{opens} is after the closing date {date}")
    return {"date": date, "opens": opens} if date else {}


class _Fields(Collector):
    """A collector that names the event in front of the field."""

    def __init__(self, c: Collector, where: str) -> None:
        super().__init__(c.file, c.problems)
        self.where = where

    def error(self, field: str, message: str) -> None:
        super().error(f"{self.where}.{field}", message)

    def warn(self, field: str, message: str) -> None:
        super().warn(f"{self.where}.{field}", message)


def _offsets(c: Collector, item: dict[str, Any], where: str) -> tuple[int, ...]:
    raw = item.get("offsets", list(DEFAULT_OFFSETS))
    good = isinstance(raw, list) and raw and all(type(n) is int and 0 <= n <= MAX_OFFSET for n in raw)
    if not good or len(set(raw)) != len(raw):
        c.error(f"{where}.offsets", f"list different whole numbers of days before, 0 to {MAX_OFFSET}")
        return DEFAULT_OFFSETS
    return tuple(sorted(raw, reverse=True))


def _regions(c: Collector, item: dict[str, Any], where: str, regions: Regions) -> frozenset[str]:
    raw = item.get("regions") or []
    if not isinstance(raw, list):
        c.error(f"{where}.regions", "must be a list of region ids (leave out for the whole country)")
        return frozenset()
    for region in raw:
        if regions.get(str(region)) is None:
            c.error(f"{where}.regions", f"'{region}' is not a region of regions.yaml")
    return frozenset(str(r) for r in raw)


def _source(c: _Fields, item: dict[str, Any], today: dt.date) -> None:
    source = item.get("source")
    if not isinstance(source, dict) or not str(source.get("act", "")).strip():
        c.error("source.act", "name the act the deadline comes from")
    elif not str(source.get("url", "")).startswith(("https://", "http://")):
        c.error("source.url", "missing or not a web address")
    checked = _date(c, item, "checked")
    if checked and checked > today:
        c.error("checked", f"{checked} is in the future")


def _event(c: Collector, item: Any, streams: set[str], regions: Regions, today: dt.date) -> Event | None:
    where = f"events.{item.get('id') if isinstance(item, dict) else '?'}"
    if not isinstance(item, dict) or not ID.fullmatch(str(item.get("id", ""))):
        c.error(where, "each event needs an id of a-z, 0-9, . and -")
        return None
    fields = _Fields(c, where)
    if item.get("stream") not in streams:
        c.error(f"{where}.stream", f"must be one of {', '.join(sorted(streams))}")
    title, text = fields.per_lang_text(item, "title"), fields.per_lang_text(item, "text")
    for field, limit, values in (("title", TITLE_LIMIT, title), ("text", TEXT_LIMIT, text)):
        for lang, value in values.items():
            if len(value) > limit:
                c.error(f"{where}.{field}.{lang}", f"{len(value)} characters, the limit is {limit}")
    link = str(item.get("link") or "")
    if not link.startswith(("https://", "http://")):
        c.error(f"{where}.link", "missing or not a web address")
    _source(fields, item, today)
    when = _when(c, item, where)
    return Event(str(item["id"]), str(item.get("stream")), title, text, link, offsets=_offsets(c, item, where),
                 regions=_regions(c, item, where, regions), **when)


def parse_calendar(data: Any, regions: Regions, entry_ids: Iterable[str], file: str = FILE,
                   today: dt.date | None = None) -> tuple[Calendar, list[Problem]]:
    problems: list[Problem] = []
    c = Collector(file, problems)
    if not isinstance(data, dict):
        c.error("file", "must hold `streams` and `events`")
        return Calendar(), problems
    ids = set(entry_ids)
    streams = [s for s in (_stream(c, item, ids) for item in data.get("streams") or []) if s]
    if len(streams) > MAX_STREAMS:
        c.error("streams", f"{len(streams)} streams, at most {MAX_STREAMS} fit a WhatsApp list")
    stream_ids = {s.id for s in streams}
    events = [e for e in (_event(c, item, stream_ids, regions, today or dt.date.today())
                          for item in data.get("events") or []) if e]
    for kind, found in (("streams", [s.id for s in streams]), ("events", [e.id for e in events])):
        for dup in sorted({i for i in found if found.count(i) > 1}):
            c.error(f"{kind}.{dup}", "the id appears twice")
    return Calendar(tuple(streams), tuple(events)), problems


def load_calendar(root: Path, regions: Regions, entry_ids: Iterable[str],
                  today: dt.date | None = None) -> tuple[Calendar, list[Problem]]:
    """The calendar of a knowledge folder; a folder without the file has no reminders."""
    path = root / FILE
    if not path.exists():
        return Calendar(), []
    problems: list[Problem] = []
    data = _read_yaml(path, problems)
    if problems:
        return Calendar(), problems
    return parse_calendar(data, regions, entry_ids, str(path), today)
