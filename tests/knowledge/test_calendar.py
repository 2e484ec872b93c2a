"""The reminders' calendar: when each reminder is due, and every mistake a curator can make, named."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from knowledge import load_base
from knowledge.calendar_file import load_calendar, parse_calendar
from knowledge.loader import DEFAULT_DIR
from knowledge.regions import load_regions

ZONE, TEN = ZoneInfo("Asia/Almaty"), dt.time(10)
REGIONS = load_regions(DEFAULT_DIR)[0]
ENTRIES = [e.id for e in load_base().entries]
STREAM = {"id": "grants", "name": {"kk": "Гранттар", "ru": "Гранты"}, "topics": ["grants.how-apply"]}


def event(**changes: Any) -> dict[str, Any]:
    good = {"id": "grants.call", "stream": "grants", "date": "2027-02-15", "opens": "2027-01-20", "offsets": [7, 1],
            "title": {"kk": "Грант", "ru": "Грант"}, "text": {"kk": "Мәтін.", "ru": "Текст."},
            "link": "https://example.org/call", "checked": "2026-12-01",
            "source": {"act": "Объявление", "url": "https://example.org/call"}}
    return {k: v for k, v in {**good, **changes}.items() if v is not None}


def problems(*events: dict[str, Any], streams: list[dict[str, Any]] | None = None) -> list[str]:
    data = {"streams": [STREAM] if streams is None else streams, "events": list(events)}
    return [f"{p.field}: {p.message}" for p in parse_calendar(data, REGIONS, ENTRIES, today=dt.date(2026, 12, 6))[1]]


def test_the_shipped_calendar_is_valid_and_holds_the_two_31_march_deadlines() -> None:
    calendar, found = load_calendar(DEFAULT_DIR, REGIONS, ENTRIES, today=dt.date(2026, 12, 6))
    assert found == []
    assert {(e.id, e.stream, e.yearly, e.offsets) for e in calendar.events} == {
        ("database.annual", "database", (3, 31), (30, 7, 1)), ("tax.cit-return", "tax", (3, 31), (30, 7, 1))}
    assert [s.id for s in calendar.streams] == ["database", "tax", "social-order", "grants", "prizes",
                                                "public-councils"]
    assert calendar.stream_of("database.deadline").id == "database"  # type: ignore[union-attr]
    assert calendar.stream_of("smalltalk.greeting") is None


def test_a_yearly_deadline_is_due_at_the_hour_30_7_and_1_days_before_and_only_the_latest_is_kept() -> None:
    calendar, _found = load_calendar(DEFAULT_DIR, REGIONS, ENTRIES)
    plan = calendar.reminders(dt.date(2027, 1, 1), dt.date(2027, 12, 31), ZONE, TEN)
    assert sorted({(d.send_at.astimezone(ZONE).isoformat(), d.offset) for d in plan}) == [
        ("2027-03-01T10:00:00+05:00", 30), ("2027-03-24T10:00:00+05:00", 7), ("2027-03-30T10:00:00+05:00", 1)]
    before = dt.datetime(2027, 3, 1, 9, 59, tzinfo=ZONE)
    assert calendar.due(before, ZONE, TEN) == []
    # Back after a week away on 25 March: the 7-day reminder, not the stale 30-day one as well.
    late = calendar.due(dt.datetime(2027, 3, 25, 8, 0, tzinfo=ZONE), ZONE, TEN)
    assert {(d.event.id, d.offset) for d in late} == {("database.annual", 7), ("tax.cit-return", 7)}
    assert calendar.due(dt.datetime(2027, 4, 1, 10, tzinfo=ZONE), ZONE, TEN) == []  # the deadline has passed


@pytest.mark.parametrize(("changes", "expected"), [
    ({"stream": "weather"}, "events.grants.call.stream: must be one of grants"),
    ({"date": "2027-02-30"}, "events.grants.call.date: missing or not a date (YYYY-MM-DD)"),
    ({"opens": "2027-03-01"}, "events.grants.call.opens: 2027-03-01 is after the closing date 2027-02-15"),
    ({"date": None}, "events.grants.call: give either `yearly: MM-DD` or `date: YYYY-MM-DD`"),
    ({"date": None, "opens": None, "yearly": "02-29"},
     "events.grants.call.yearly: '02-29' is not a day of every year (MM-DD, quoted)"),
    ({"offsets": [7, -3]}, "events.grants.call.offsets: list different whole numbers of days before, 0 to 365"),
    ({"offsets": [7, 7]}, "events.grants.call.offsets: list different whole numbers of days before, 0 to 365"),
    ({"regions": ["atlantis"]}, "events.grants.call.regions: 'atlantis' is not a region of regions.yaml"),
    ({"text": {"ru": "Текст."}}, "events.grants.call.text.kk: missing or empty"),
    ({"text": {"kk": "ә" * 601, "ru": "Текст."}}, "events.grants.call.text.kk: 601 characters, the limit is 600"),
    ({"link": "example.org"}, "events.grants.call.link: missing or not a web address"),
    ({"source": {"url": "https://example.org"}}, "events.grants.call.source.act: name the act the deadline comes from"),
    ({"checked": "2027-01-01"}, "events.grants.call.checked: 2027-01-01 is in the future"),
    ({"id": "Grants Call"}, "events.Grants Call: each event needs an id of a-z, 0-9, . and -"),
])
def test_each_mistake_in_an_event_is_named(changes: dict[str, Any], expected: str) -> None:
    assert problems(event(**changes)) == [expected]


def test_mistakes_in_streams_and_duplicates_are_named() -> None:
    bad = {**STREAM, "topics": ["grants.nope"], "name": {"kk": "Гранттар", "ru": "Государственные гранты"}}
    assert problems(event(), event(), streams=[bad]) == [
        "streams.grants.topics: 'grants.nope' is not an entry id",
        "streams.grants.name.ru: 22 characters, a WhatsApp row shows 20",
        "events.grants.call: the id appears twice"]


def test_an_entrys_stream_is_the_first_that_lists_it() -> None:
    from knowledge.calendar import Calendar, Stream

    first, second = Stream("a", {"kk": "A", "ru": "A"}, ("x", "y")), Stream("b", {"kk": "B", "ru": "B"}, ("y", "z"))
    calendar = Calendar((first, second))
    assert [calendar.stream_of(e) for e in ("x", "y", "z", "w")] == [first, first, second, None]
    shipped, _found = load_calendar(DEFAULT_DIR, REGIONS, ENTRIES, today=dt.date(2026, 12, 6))
    for entry in ENTRIES:
        assert shipped.stream_of(entry) == next((s for s in shipped.streams if entry in s.topics), None)
