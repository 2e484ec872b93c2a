"""Amounts the law sets in MCI (АЕК / МРП), shown in tenge for the current year.

Answers write `{{mci:25}}`; the tenge figure comes from `mci.yaml` (year -> tenge),
so no answer goes stale on 1 January: a year without a value shows the MCI only.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from knowledge.model import Lang

TOKEN = re.compile(r"\{\{mci:([1-9]\d*)\}\}")
_ANY_BRACES = re.compile(r"\{\{.*?\}\}|\{\{|\}\}")
THIN_SPACE = "\u202f"  # narrow no-break space: a thousands separator that never wraps

_WITH_TENGE = {
    "kk": "{mci} АЕК ({year} жылы {tenge} теңге)",
    "ru": "{mci} МРП (в {year} году {tenge} тенге)",
}
_BARE = {"kk": "{mci} АЕК", "ru": "{mci} МРП"}


def malformed_tokens(text: str) -> list[str]:
    """Every `{{...}}` in the text that is not a well-formed `{{mci:N}}` (N a positive whole number)."""
    return [m.group(0) for m in _ANY_BRACES.finditer(text) if not TOKEN.fullmatch(m.group(0))]


def group_thousands(number: int) -> str:
    return f"{number:,}".replace(",", THIN_SPACE)


def render(text: str, lang: Lang, year: int, table: Mapping[int, int]) -> str:
    """Replace each `{{mci:N}}` with N MCI and, when the year has a value, its tenge amount."""
    per_mci = table.get(year)

    def amount(match: re.Match[str]) -> str:
        mci = int(match.group(1))
        if per_mci is None:
            return _BARE[lang].format(mci=group_thousands(mci))
        return _WITH_TENGE[lang].format(mci=group_thousands(mci), year=year, tenge=group_thousands(mci * per_mci))

    return TOKEN.sub(amount, text)


def parse_table(data: object) -> tuple[dict[int, int], list[str]]:
    """Read `mci.yaml`'s mapping; returns the table and what is wrong with it."""
    if not isinstance(data, dict):
        return {}, ["must map years to tenge amounts (e.g. 2026: 4325)"]
    table: dict[int, int] = {}
    problems = []
    for year, tenge in data.items():
        if not isinstance(year, int) or not 2000 <= year <= 2100:
            problems.append(f"'{year}' is not a year")
        elif not isinstance(tenge, int) or isinstance(tenge, bool) or tenge <= 0:
            problems.append(f"{year}: '{tenge}' is not a whole number of tenge")
        else:
            table[year] = tenge
    return table, problems
