"""The gaps of a period, computed away from the event loop and kept for a few minutes.

Clustering a busy week's unanswered questions takes seconds (see the report's
figures in the README), far beyond what a page may take. So the gaps are counted
off the serving loop (`offloop`), one count per period at a time, and kept `FRESH`;
a page waits at most `wait` seconds and otherwise says the gaps are being counted.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.analytics.gaps import Gap, find_gaps
from bot.analytics.questions import question_figures
from bot.app.config import Settings
from bot.console.offloop import on_own_engine
from handlers.ports import Clock
from knowledge import Matcher

FRESH = dt.timedelta(minutes=10)
LIMIT = 50


@dataclass(frozen=True)
class Counted:
    gaps: list[Gap]
    at: dt.datetime  # when they were counted


async def count_gaps(engine: AsyncEngine, matcher: Matcher, since: dt.datetime) -> list[Gap]:
    async with engine.connect() as conn:
        texts = (await question_figures(conn, since)).gaps
    return find_gaps(texts, matcher, LIMIT)


class GapsCache:
    def __init__(self, settings: Settings, matcher: Callable[[], Matcher], clock: Clock) -> None:
        self.settings, self.matcher, self.clock = settings, matcher, clock
        self._counted: dict[dt.datetime, Counted] = {}
        self._counting: dict[dt.datetime, asyncio.Task[Counted]] = {}

    async def get(self, since: dt.datetime, wait: float) -> Counted | None:
        """The gaps from `since` on if counted lately (or within `wait` seconds), else None for now."""
        counted = self._counted.get(since)
        if counted is not None and self.clock() - counted.at < FRESH:
            return counted
        task = self._counting.get(since)
        if task is None:
            task = self._counting[since] = asyncio.create_task(self._count(since))
        try:
            return await asyncio.wait_for(asyncio.shield(task), wait)
        except TimeoutError:
            return counted  # the older count meanwhile, if there is one

    async def _count(self, since: dt.datetime) -> Counted:
        try:
            matcher = self.matcher()
            gaps = await on_own_engine(self.settings, lambda engine: count_gaps(engine, matcher, since))
            now = self.clock()
            for old in [key for key, kept in self._counted.items() if now - kept.at >= FRESH]:
                del self._counted[old]
            counted = self._counted[since] = Counted(gaps, now)
            return counted
        finally:
            del self._counting[since]
