"""The dashboard's figures for a period, from the analytics functions the report uses."""

from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import dataclass

from sqlalchemy import func, select

from bot.analytics.daily import DayGroup, day_groups, decision_mix
from bot.analytics.gaps import Gap
from bot.analytics.questions import DECISIONS
from bot.analytics.staff import staff_figures
from bot.console.charts import PALETTE, Chart, colors, horizontal_bars, stacked_columns
from bot.console.deps import Console
from bot.console.period import Period
from bot.db.models import Ticket

DECISION_COLORS = dict(zip(DECISIONS, ("#1e7a3c", "#1f5fbf", "#c2571a", "#b3261e", "#5b6475", "#8e44ad"),
                           strict=True))
TOP_GAPS = 5
GAPS_WAIT = 0.15  # s a page waits for gaps being counted before it says so


@dataclass(frozen=True)
class Traffic:
    series: list[str]  # "kk · telegram", ...
    colors: dict[str, str]
    rows: list[tuple[str, dict[str, int], int]]  # day label, messages per series, total
    chart: Chart
    total: int


@dataclass(frozen=True)
class TicketFigures:
    open: int
    waiting: int  # open and nobody took it yet
    opened: int  # in the period
    replied: int
    median_first_reply: float | None  # working seconds
    ratings: dict[int, int]
    csat: float | None
    ratings_chart: Chart


@dataclass(frozen=True)
class Dashboard:
    traffic: Traffic
    mix: list[tuple[str, int, float]]  # decision, messages, share of all
    mix_chart: Chart
    tickets: TicketFigures
    gaps: list[Gap] | None  # None: still being counted


def traffic(groups: list[DayGroup], period: Period) -> Traffic:
    per_day: dict[str, Counter[str]] = {day.isoformat(): Counter() for day in period.dates}
    for g in groups:
        if g.day.isoformat() in per_day:
            per_day[g.day.isoformat()][f"{g.lang} · {g.channel}"] += g.messages
    series = sorted({name for counts in per_day.values() for name in counts})
    rows = [(f"{day[8:10]}.{day[5:7]}", dict(counts), sum(counts.values())) for day, counts in per_day.items()]
    chart = stacked_columns([(label, counts) for label, counts, _ in rows], series)
    return Traffic(series, colors(series), rows, chart, sum(total for *_, total in rows))


async def ticket_figures(console: Console, period: Period) -> TicketFigures:
    async with console.engine.connect() as conn:
        open_, waiting = (await conn.execute(
            select(func.count(), func.count().filter(Ticket.assignee == "")).where(Ticket.status == "open"))).one()
        people, _topics = await staff_figures(conn, period.since, console.settings.hours())
    waits = [seconds for person in people for seconds in person.first_reply_seconds]
    ratings: Counter[int] = sum((person.ratings for person in people), Counter())
    rated = sum(ratings.values())
    csat = sum(k * v for k, v in ratings.items()) / rated if rated else None
    stars = [(f"{n}★", ratings.get(n, 0)) for n in range(5, 0, -1)]
    return TicketFigures(open_, waiting, sum(p.tickets for p in people), len(waits),
                         statistics.median(waits) if waits else None, {n: ratings.get(n, 0) for n in range(1, 6)},
                         csat, horizontal_bars(stars, {label: PALETTE[0] for label, _ in stars}))


async def dashboard(console: Console, period: Period) -> Dashboard:
    async with console.engine.connect() as conn:
        groups = await day_groups(conn, period.since, console.settings.timezone)
    mix_counts = decision_mix(groups)
    total = sum(mix_counts.values())
    mix = [(d, mix_counts.get(d, 0), mix_counts.get(d, 0) / total if total else 0.0) for d in DECISIONS]
    counted = await console.gaps.get(period.since, GAPS_WAIT)
    return Dashboard(traffic(groups, period), mix, horizontal_bars([(d, n) for d, n, _ in mix], DECISION_COLORS),
                     await ticket_figures(console, period), counted.gaps[:TOP_GAPS] if counted else None)
