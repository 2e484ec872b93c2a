"""The weekly digest in the consultants' group (general topic), in DESK_CONSULTANT_LANG.

The five largest gaps, the entries most often marked not helpful, the entries due
for review (checked longer ago than DESK_KB_MAX_AGE_DAYS: the base has no
review date of its own) and the week's CSAT. Posted at DESK_DIGEST_DAY
DESK_DIGEST_TIME in DESK_TIMEZONE; off while DESK_DIGEST_DAY is empty. Every
instance looks each minute, and the week's row in `digest_runs` (a primary key)
lets exactly one of them post it: a claim that failed to post is not retried,
so the group never gets the same digest twice.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections import Counter
from collections.abc import Awaitable, Callable

from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.analytics.report import Report, build_report
from bot.app.config import Settings
from bot.db.models import DigestRun, utcnow
from handlers import Translator
from handlers.i18n import Gettext
from handlers.working_hours import DAYS
from knowledge import Action, Entry, Matcher

log = logging.getLogger(__name__)
TOP = 5
WEEK = dt.timedelta(days=7)
Post = Callable[[str], Awaitable[None]]


def overdue(matcher: Matcher, today: dt.date, max_age_days: int) -> list[Entry]:
    """Answer entries checked longer ago than the allowed age, the oldest first."""
    due = [e for e in matcher.base.entries if e.action is Action.ANSWER and (today - e.checked).days > max_age_days]
    return sorted(due, key=lambda e: e.checked)


def digest_text(report: Report, due: list[Entry], _: Gettext) -> str:
    week = _("📊 The desk's week: {start} – {end}")
    lines = [week.format(start=f"{report.since:%d.%m}", end=f"{report.until:%d.%m}"), "",
             _("Largest gaps (questions the desk could not answer):")]
    lines += [f"{n}. {gap.size} × «{gap.examples[0]}»" for n, gap in enumerate(report.gaps[:TOP], 1)] or ["—"]
    lines += ["", _("Entries most often marked not helpful:")]
    worst = [e for e in report.entries if e.not_helpful][:TOP]
    lines += [f"• {e.entry}: {e.not_helpful}" for e in worst] or ["—"]
    lines += ["", _("Entries due for review:")]
    lines += [f"• {e.id} ({e.checked:%d.%m.%Y})" for e in due[:TOP]] or ["—"]
    ratings: Counter[int] = Counter()
    for figures in report.consultants:
        ratings.update(figures.ratings)
    count = sum(ratings.values())
    csat = f"{sum(k * v for k, v in ratings.items()) / count:.2f}" if count else "—"
    lines += ["", _("CSAT of the week: {csat} ({count} ratings)").format(csat=csat, count=count)]
    return "\n".join(lines)


class Digest:
    """Decides when the week's digest is due, claims it, builds it and posts it."""

    def __init__(self, settings: Settings, engine: AsyncEngine, matcher: Callable[[], Matcher], post: Post,
                 translator: Translator) -> None:
        self.settings, self.engine, self.matcher, self.post = settings, engine, matcher, post
        self._ = translator(settings.consultant_lang)
        self.hours = settings.hours()

    def due_week(self, now: dt.datetime) -> str | None:
        """The ISO week whose digest is due at `now` (the slot has passed this week), else None."""
        local = self.hours.local(now)
        hour, minute = map(int, self.settings.digest_time.split(":"))
        monday = local.date() - dt.timedelta(days=local.weekday())
        slot_day = monday + dt.timedelta(days=DAYS.index(self.settings.digest_day.lower()))
        slot = dt.datetime.combine(slot_day, dt.time(hour, minute), self.hours.zone)
        if local < slot:
            return None
        year, week, _day = local.isocalendar()
        return f"{year}-W{week:02d}"

    async def claim(self, week: str, now: dt.datetime) -> bool:
        try:
            async with self.engine.begin() as conn:
                await conn.execute(insert(DigestRun.__table__).values(week=week, claimed_at=now))
        except IntegrityError:
            return False
        return True

    async def run_once(self, now: dt.datetime | None = None) -> bool:
        """Post the digest if it is due and no instance has; True when this one posted it."""
        now = now or utcnow()
        week = self.due_week(now)
        if week is None or not await self.claim(week, now):
            return False
        matcher = self.matcher()
        report = await build_report(self.engine, matcher, self.hours, now - WEEK, now, gap_limit=TOP)
        await self.post(digest_text(report, overdue(matcher, now.date(), self.settings.kb_max_age_days), self._))
        log.info("weekly digest %s posted", week)
        return True

    async def forever(self, interval: float = 60.0) -> None:
        while True:
            try:
                await self.run_once()
            except Exception as exc:
                log.warning("weekly digest failed: %r", exc)
            await asyncio.sleep(interval)
