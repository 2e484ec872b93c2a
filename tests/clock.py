"""A clock the tests set and move: working hours, reply windows and retries without sleeping."""

from __future__ import annotations

import datetime as dt

ALMATY = dt.timezone(dt.timedelta(hours=5))
# Monday 5 January 2026, 10:00 in Almaty: a working day after the New Year holidays.
MONDAY_MORNING = dt.datetime(2026, 1, 5, 10, 0, tzinfo=ALMATY)


class FakeClock:
    def __init__(self, now: dt.datetime = MONDAY_MORNING) -> None:
        self.now = now.astimezone(dt.UTC)

    def __call__(self) -> dt.datetime:
        return self.now

    def set(self, now: dt.datetime) -> None:
        self.now = now.astimezone(dt.UTC)

    def advance(self, **delta: float) -> None:
        self.now += dt.timedelta(**delta)
