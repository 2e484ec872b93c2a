"""The dashboard's figures for a period, from the analytics functions the report uses."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections import Counter
from dataclasses import dataclass

from bot.analytics.daily import HourGroup, decision_mix
from bot.analytics.gaps import Gap
from bot.analytics.questions import DECISIONS
from bot.console.charts import PALETTE, Chart, colors, horizontal_bars, stacked_columns
from bot.console.deps import Console
from bot.console.period import Period
from bot.console.ticket_figures import TicketFigures

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
class Dashboard:
    traffic: Traffic
    mix: list[tuple[str, int, float]]  # decision, messages, share of all
    mix_chart: Chart
    tickets: TicketFigures
    ratings_chart: Chart
    gaps: list[Gap] | None  # None: still being counted


def traffic(groups: list[HourGroup], period: Period, zone: zoneinfo.ZoneInfo) -> Traffic:
    per_day: dict[str, Counter[str]] = {day.isoformat(): Counter() for day in period.dates}
    days: dict[dt.datetime, str] = {}  # each hour's local day, worked out once
    for g in groups:
        day = days.get(g.hour) or days.setdefault(g.hour, g.hour.astimezone(zone).date().isoformat())
        if day in per_day:
            per_day[day][f"{g.lang} · {g.channel}"] += g.messages
    series = sorted({name for counts in per_day.values() for name in counts})
    rows = [(f"{day[8:10]}.{day[5:7]}", dict(counts), sum(counts.values())) for day, counts in per_day.items()]
    chart = stacked_columns([(label, counts) for label, counts, _ in rows], series)
    return Traffic(series, colors(series), rows, chart, sum(total for *_, total in rows))


async def dashboard(console: Console, period: Period) -> Dashboard:
    groups = await console.hourly.groups(period)
    mix_counts = decision_mix(groups)
    total = sum(mix_counts.values())
    mix = [(d, mix_counts.get(d, 0), mix_counts.get(d, 0) / total if total else 0.0) for d in DECISIONS]
    counted = await console.gaps.get(period.since, GAPS_WAIT)
    zone = zoneinfo.ZoneInfo(console.settings.timezone)
    tickets = await console.tickets.figures(period.since)
    stars = [(f"{n}★", tickets.ratings[n]) for n in range(5, 0, -1)]
    return Dashboard(traffic(groups, period, zone), mix, horizontal_bars([(d, n) for d, n, _ in mix], DECISION_COLORS),
                     tickets, horizontal_bars(stars, {label: PALETTE[0] for label, _ in stars}),
                     counted.gaps[:TOP_GAPS] if counted else None)
