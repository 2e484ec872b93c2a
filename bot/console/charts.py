"""Chart geometry for server-rendered SVG: the numbers go in, rectangles come out.

The templates draw what is computed here; every bar carries its value (`data-value`
and a <title>), and the page prints the same numbers beside the chart, so a chart
never is the only place a figure can be read.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

WIDTH, HEIGHT = 600, 200
GAP = 0.25  # of a column's slot left empty between columns
PALETTE = ("#1f5fbf", "#c2571a", "#1e7a3c", "#8e44ad", "#b3261e", "#9a6700", "#5b6475", "#0f8b8d")


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    value: int
    series: str
    label: str
    color: str


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    bars: tuple[Bar, ...]
    ticks: tuple[tuple[float, str], ...]  # x of a column's middle, its label
    peak: int  # the largest column's total (the top of the scale)


def colors(series: Sequence[str]) -> dict[str, str]:
    return {name: PALETTE[n % len(PALETTE)] for n, name in enumerate(series)}


def stacked_columns(columns: Sequence[tuple[str, dict[str, int]]], series: Sequence[str]) -> Chart:
    """One column per label, its parts stacked in `series` order, scaled to the tallest column."""
    peak = max((sum(parts.values()) for _, parts in columns), default=0)
    slot = WIDTH / max(len(columns), 1)
    width = slot * (1 - GAP)
    palette = colors(series)
    bars, ticks = [], []
    for n, (label, parts) in enumerate(columns):
        x = n * slot + slot * GAP / 2
        top = float(HEIGHT)
        for name in series:
            value = parts.get(name, 0)
            if not value:
                continue
            height = HEIGHT * value / peak
            top -= height
            bars.append(Bar(round(x, 2), round(top, 2), round(width, 2), round(height, 2), value, name, label,
                            palette[name]))
        ticks.append((round(x + width / 2, 2), label))
    return Chart(WIDTH, HEIGHT, tuple(bars), tuple(ticks), peak)


def horizontal_bars(items: Sequence[tuple[str, int]], palette: dict[str, str] | None = None) -> Chart:
    """One row per item, its length scaled to the largest value."""
    row = 28
    peak = max((value for _, value in items), default=0)
    palette = palette or colors([name for name, _ in items])
    bars = tuple(Bar(0, n * row + 4, round(WIDTH * value / peak, 2) if peak else 0, row - 8, value, name, name,
                     palette[name]) for n, (name, value) in enumerate(items))
    return Chart(WIDTH, max(len(items), 1) * row, bars, (), peak)
