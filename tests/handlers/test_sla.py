"""When a ticket is late: working minutes only, as the centre's door notice counts them."""

from __future__ import annotations

import datetime as dt

import pytest

from handlers.sla import is_late
from handlers.working_hours import WorkingHours
from tests.clock import ALMATY

HOURS = WorkingHours.parse("Mon-Fri 09:00-13:00,14:00-18:00", "Asia/Almaty", "01-07")
FRIDAY_5PM = dt.datetime(2026, 1, 2, 17, 0, tzinfo=ALMATY)  # 2 January is a working day here: only 01-07 is off


@pytest.mark.parametrize(("now", "late"), [
    (dt.datetime(2026, 1, 2, 17, 59, tzinfo=ALMATY), False),  # 59 minutes
    (dt.datetime(2026, 1, 4, 23, 0, tzinfo=ALMATY), False),   # the weekend counts nothing: still 60
    (dt.datetime(2026, 1, 5, 9, 59, tzinfo=ALMATY), False),   # 60 + 59
    (dt.datetime(2026, 1, 5, 10, 0, tzinfo=ALMATY), True),    # 60 + 60
])
def test_two_working_hours_from_friday_five_pm(now: dt.datetime, late: bool) -> None:
    assert is_late(HOURS, FRIDAY_5PM, now, 120) is late


def test_the_lunch_break_and_a_holiday_count_nothing() -> None:
    tuesday_noon = dt.datetime(2026, 1, 6, 12, 0, tzinfo=ALMATY)
    # Tuesday 12:00-13:00 and 14:00-18:00 (300), Wednesday the 7th off, Thursday from 09:00.
    assert not is_late(HOURS, tuesday_noon, dt.datetime(2026, 1, 8, 8, 59, tzinfo=ALMATY), 301)
    assert not is_late(HOURS, tuesday_noon, dt.datetime(2026, 1, 6, 13, 59, tzinfo=ALMATY), 61)
    assert is_late(HOURS, tuesday_noon, dt.datetime(2026, 1, 8, 9, 1, tzinfo=ALMATY), 301)
