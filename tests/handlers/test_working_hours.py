"""Working hours: weekdays, lunch breaks, holidays of Kazakhstan, the time zone."""

from __future__ import annotations

import datetime as dt

import pytest

from handlers.working_hours import WorkingHours

ALMATY = dt.timezone(dt.timedelta(hours=5))
DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
hours = WorkingHours.parse()  # Mon-Fri 09:00-18:00, Asia/Almaty, fixed holidays of Kazakhstan


def at(year: int, month: int, day: int, hour: int, minute: int = 0, tz: dt.tzinfo = ALMATY) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=tz)


@pytest.mark.parametrize(("moment", "open_"), [
    (at(2026, 1, 5, 9, 0), True),       # Monday, opening minute
    (at(2026, 1, 5, 17, 59), True),
    (at(2026, 1, 5, 18, 0), False),     # closing time is closed
    (at(2026, 1, 5, 8, 59), False),
    (at(2026, 1, 10, 11, 0), False),    # Saturday
    (at(2026, 1, 11, 11, 0), False),    # Sunday
    (at(2026, 3, 23, 11, 0), False),    # Nauryz, a Monday
    (at(2026, 12, 16, 11, 0), False),   # Independence Day
    (at(2026, 1, 7, 11, 0), False),     # Orthodox Christmas
    (at(2026, 12, 17, 11, 0), True),    # the day after is a working day again
])
def test_open_on_working_days_only(moment: dt.datetime, open_: bool) -> None:
    assert hours.is_open(moment) is open_


def test_the_centre_s_time_zone_decides_not_the_server_s() -> None:
    # 04:30 UTC is 09:30 in Almaty (UTC+5 since March 2024): open.
    assert hours.is_open(at(2026, 1, 5, 4, 30, tz=dt.UTC))
    assert not hours.is_open(at(2026, 1, 5, 13, 30, tz=dt.UTC))  # 18:30 in Almaty
    assert hours.utc_offset(at(2026, 1, 5, 12)) == "UTC+5"
    moscow = WorkingHours.parse(timezone="Europe/Moscow")  # noon in Almaty is 10:00 in Moscow
    assert moscow.is_open(at(2026, 1, 5, 12)) and moscow.utc_offset(at(2026, 1, 5, 12)) == "UTC+3"
    assert not moscow.is_open(at(2026, 1, 5, 20))  # 18:00 in Moscow


@pytest.mark.parametrize(("moment", "expected"), [
    (at(2026, 1, 5, 10, 0), at(2026, 1, 5, 10, 0)),    # open: now
    (at(2026, 1, 5, 7, 0), at(2026, 1, 5, 9, 0)),      # before opening: today
    (at(2026, 1, 9, 18, 30), at(2026, 1, 12, 9, 0)),   # Friday evening: Monday
    (at(2025, 12, 31, 18, 30), at(2026, 1, 5, 9, 0)),  # New Year, then the weekend
    (at(2026, 3, 20, 18, 0), at(2026, 3, 24, 9, 0)),   # Friday before Nauryz (21-23 March)
])
def test_next_opening(moment: dt.datetime, expected: dt.datetime) -> None:
    assert hours.next_opening(moment) == expected


def test_several_spans_a_day_and_weekend_groups() -> None:
    shifts = WorkingHours.parse("Mon-Fri 09:00-13:00, 14:00-18:00; Sat 10:00-14:00", holidays="")
    assert not shifts.is_open(at(2026, 1, 5, 13, 30))  # lunch
    assert shifts.next_opening(at(2026, 1, 5, 13, 30)) == at(2026, 1, 5, 14, 0)
    assert shifts.is_open(at(2026, 1, 10, 11, 0))  # Saturday morning
    assert shifts.next_opening(at(2026, 1, 10, 15, 0)) == at(2026, 1, 12, 9, 0)
    assert shifts.describe(DAYS) == "Mon–Fri 09:00–13:00, 14:00–18:00; Sat 10:00–14:00"
    assert WorkingHours.parse("Mon,Wed,Fri 10:00-12:00").describe(DAYS) == (
        "Mon 10:00–12:00; Wed 10:00–12:00; Fri 10:00–12:00")


def test_round_the_clock_and_one_off_holidays() -> None:
    always = WorkingHours.parse("Mon-Sun 00:00-24:00", holidays="2026-05-27")  # Kurban Ait 2026
    assert always.is_open(at(2026, 5, 26, 23, 59))
    assert not always.is_open(at(2026, 5, 27, 12, 0))
    assert always.next_opening(at(2026, 5, 27, 12, 0)) == at(2026, 5, 28, 0, 0)
    assert always.is_open(at(2027, 5, 27, 12, 0))  # a dated holiday does not repeat


def test_a_schedule_that_never_opens_promises_nothing() -> None:
    assert WorkingHours.parse("").next_opening(at(2026, 1, 5, 10)) is None


@pytest.mark.parametrize(("schedule", "timezone", "holidays", "error"), [
    ("Mon-Fri 9-18", "Asia/Almaty", "", "'9' is not a time like 09:00"),
    ("Mon-Fri 18:00-09:00", "Asia/Almaty", "", "ends before it starts"),
    ("Mon-Fri 09:00-13:00,12:00-18:00", "Asia/Almaty", "", "overlapping"),
    ("Monday 09:00-18:00", "Asia/Almaty", "", "days are written Mon, Tue"),
    ("Fri-Mon 09:00-18:00", "Asia/Almaty", "", "from Monday towards Sunday"),
    ("Mon-Fri 09:00-18:00; Fri 10:00-12:00", "Asia/Almaty", "", "Fri appears twice"),
    ("Mon-Fri", "Asia/Almaty", "", "is not like 'Mon-Fri 09:00-18:00'"),
    ("Mon-Fri 09:00-25:00", "Asia/Almaty", "", "not a time of day"),
    ("Mon-Fri 09:00-18:00", "Asia/Astana-Almaty", "", "unknown time zone"),
    ("Mon-Fri 09:00-18:00", "Asia/Almaty", "03-32", "holiday '03-32' is not MM-DD"),
])
def test_a_wrong_setting_says_what_is_wrong(schedule: str, timezone: str, holidays: str, error: str) -> None:
    with pytest.raises(ValueError, match=error):
        WorkingHours.parse(schedule, timezone, holidays)


def test_working_seconds_count_only_the_open_spans() -> None:
    hours = WorkingHours.parse("Mon-Fri 09:00-13:00,14:00-18:00", "Asia/Almaty", "")
    almaty = dt.timezone(dt.timedelta(hours=5))
    friday_evening = dt.datetime(2026, 1, 9, 17, 30, tzinfo=almaty)
    monday_morning = dt.datetime(2026, 1, 12, 9, 45, tzinfo=almaty)
    assert hours.working_seconds(friday_evening, monday_morning) == (30 + 45) * 60
    lunch = dt.datetime(2026, 1, 12, 12, 30, tzinfo=almaty)
    assert hours.working_seconds(lunch, lunch + dt.timedelta(hours=2)) == 60 * 60  # 12:30-13:00 and 14:00-14:30
    assert hours.working_seconds(monday_morning, friday_evening) == 0
