"""The report of a period, as plain data: the CLI prints it, the digest and a console reuse it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.analytics.centres import CentreFigures, HoursOf, centre_figures
from bot.analytics.gaps import Gap, find_gaps
from bot.analytics.questions import ClarifyOutcomes, EntryVerdicts, Usage, question_figures
from bot.analytics.staff import StaffFigures, staff_figures
from bot.reminders.metrics import figures as reminder_figures
from handlers.working_hours import WorkingHours
from knowledge import Matcher

GAP_LIMIT = 50


@dataclass(frozen=True)
class Report:
    since: dt.datetime
    until: dt.datetime
    usage: list[Usage]
    entries: list[EntryVerdicts]
    clarify: ClarifyOutcomes
    gaps: list[Gap]
    consultants: list[StaffFigures]
    topics: list[StaffFigures]
    centres: list[CentreFigures] = field(default_factory=list)
    reminders: dict[str, dict[str, int]] = field(default_factory=dict)  # event -> sent, delivered, failed


async def build_report(engine: AsyncEngine, matcher: Matcher, hours: WorkingHours, since: dt.datetime,
                       until: dt.datetime, gap_limit: int | None = GAP_LIMIT,
                       hours_of: HoursOf | None = None) -> Report:
    """Everything from `since` on (`until` only labels the period: the log has nothing later).

    `hours_of`: each centre's working hours (`hours` for every centre when not given).
    `since` may be in any zone: it is read in UTC, as SQLite keeps times as UTC text and
    compares them as text (a local 09:00 would pass for 09:00 UTC)."""
    start = since.astimezone(dt.UTC)
    async with engine.connect() as conn:
        questions = await question_figures(conn, start)
        consultants, topics = await staff_figures(conn, start, hours)
        centres = await centre_figures(conn, start, hours_of or (lambda _centre: hours))
    gaps = find_gaps(questions.gaps, matcher, gap_limit)
    reminders = await reminder_figures(engine, start)
    return Report(since, until, questions.usage, questions.entries, questions.clarify, gaps, consultants, topics,
                  centres, reminders)
