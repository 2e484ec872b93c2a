"""The gaps page's clusters, computed off the event loop and kept for a few minutes.

Clustering a busy week's unanswered questions takes seconds (the report's
figure), far beyond a page's budget; the board keeps the last result per
period and refreshes it in the background once it is older than `max_age`, so
a visit shows the clusters at once and says when they were computed. A new
base (a publish) makes the nearest entries stale, so it refreshes too.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.analytics.gaps import Gap, find_gaps
from bot.analytics.questions import question_figures
from bot.db.models import utcnow
from handlers.faq import new_entry
from knowledge import Matcher

GAP_LIMIT = 30
MAX_AGE = dt.timedelta(minutes=5)


@dataclass(frozen=True)
class GapList:
    days: int
    computed_at: dt.datetime
    gaps: list[Gap]
    base: int  # id() of the base the nearest entries were ranked on


class GapBoard:
    def __init__(self, engine: AsyncEngine, matcher: Callable[[], Matcher], max_age: dt.timedelta = MAX_AGE,
                 clock: Callable[[], dt.datetime] = utcnow) -> None:
        self.engine, self.matcher, self.max_age, self.clock = engine, matcher, max_age, clock
        self._lists: dict[int, GapList] = {}
        self._running: dict[int, asyncio.Task[GapList]] = {}

    async def gaps(self, days: int) -> GapList:
        """The period's clusters: the kept ones (a refresh started if they are old), else computed now."""
        kept = self._lists.get(days)
        if kept is None:
            return await self._refresh(days)
        if self.clock() - kept.computed_at > self.max_age or kept.base != id(self.matcher().base):
            self._start(days)  # this visit shows the kept list; the next one the new
        return kept

    async def _refresh(self, days: int) -> GapList:
        return await asyncio.shield(self._start(days))

    def _start(self, days: int) -> asyncio.Task[GapList]:
        """The period's computation, one at a time: a second visit waits for the first's."""
        task = self._running.get(days)
        if task is None:
            task = self._running[days] = asyncio.create_task(self._compute(days))
            task.add_done_callback(lambda done: self._finished(days, done))
        return task

    def _finished(self, days: int, task: asyncio.Task[GapList]) -> None:
        self._running.pop(days, None)
        if not task.cancelled() and task.exception() is None:  # a failed one is tried again next visit
            self._lists[days] = task.result()

    async def _compute(self, days: int) -> GapList:
        now = self.clock()
        async with self.engine.connect() as conn:
            figures = await question_figures(conn, now - dt.timedelta(days=days))
        matcher = self.matcher()
        gaps = await asyncio.to_thread(find_gaps, figures.gaps, matcher, GAP_LIMIT)
        return GapList(days, now, gaps, id(matcher.base))


def gap_entry(matcher: Matcher, lang: str, examples: list[str], today: dt.date) -> dict[str, Any]:
    """A new entry for a gap: its (masked) examples as the first phrasings, no answer yet."""
    return new_entry(matcher, lang, examples, "", today)
