"""The dashboard shows the seeded past: the right numbers beside charts drawn to the same numbers."""

from __future__ import annotations

import statistics
from collections import Counter

from playwright.sync_api import Page, expect

from tests.console.harness import ConsoleServer, screenshot
from tests.console.seed import ASKED, TICKETS


def asked_within(days: int) -> list:  # type: ignore[type-arg]
    return [a for a in ASKED if a.days_ago < days]


def figure(page: Page, name: str) -> str:
    return page.locator(f"[data-figure={name}] b").inner_text()


def bar_values(page: Page, chart: str) -> dict[str, int]:
    bars = page.locator(f"svg[data-chart={chart}] rect")
    return {bars.nth(n).get_attribute("data-series") or "": int(bars.nth(n).get_attribute("data-value") or -1)
            for n in range(bars.count())}


def test_the_figures_of_the_week_are_those_seeded(head: Page, server: ConsoleServer) -> None:
    week = asked_within(7)
    assert figure(head, "messages") == str(sum(a.count for a in week))
    assert figure(head, "open") == str(sum(t.status == "open" for t in TICKETS))
    assert figure(head, "waiting") == str(sum(t.status == "open" and not t.assignee for t in TICKETS))
    replies = [t.reply_after for t in TICKETS if t.reply_after is not None]
    assert figure(head, "first-reply") == f"{round(statistics.median(replies))} мин"
    ratings = [t.rating for t in TICKETS if t.rating]
    assert figure(head, "csat") == f"{sum(ratings) / len(ratings):.1f}"
    screenshot(head, "dashboard")


def test_the_decision_mix_is_drawn_and_printed_with_the_same_counts(head: Page, server: ConsoleServer) -> None:
    mix = Counter[str]()
    for asked in asked_within(7):
        mix[asked.decision] += asked.count
    for decision, count in mix.items():
        expect(head.locator(f"tr[data-decision={decision}] td.num").first).to_have_text(str(count))
    assert {k: v for k, v in bar_values(head, "decisions").items() if v} == dict(mix)


def test_each_day_column_stacks_its_channels_and_languages_to_scale(head: Page, server: ConsoleServer) -> None:
    bars = head.locator("svg[data-chart=traffic] rect")
    heights = {}
    for n in range(bars.count()):
        bar = bars.nth(n)
        heights[(bar.get_attribute("data-label"), bar.get_attribute("data-series"))] = (
            float(bar.get_attribute("height") or 0), int(bar.get_attribute("data-value") or 0))
    expected: Counter[tuple[int, str]] = Counter()
    for asked in asked_within(7):
        expected[(asked.days_ago, f"{asked.lang} · {asked.channel}")] += asked.count
    assert sorted(v for _, v in heights.values()) == sorted(expected.values())
    per_message = {round(height / value, 3) for height, value in heights.values()}
    assert max(per_message) - min(per_message) < 0.01  # one scale for every bar
    totals = head.locator("table[data-table=traffic] tbody tr td:last-child").all_inner_texts()
    assert sum(int(t) for t in totals) == sum(a.count for a in asked_within(7))


def test_the_period_picker_takes_in_older_questions(head: Page, server: ConsoleServer) -> None:
    head.select_option("select[name=days]", "30")
    head.click("form.filters button")
    expect(head).to_have_url(server.url + "/console/?days=30")
    assert figure(head, "messages") == str(sum(a.count for a in asked_within(30)))
    head.select_option("select[name=days]", "1")
    head.click("form.filters button")
    assert figure(head, "messages") == str(sum(a.count for a in asked_within(1)))


def test_the_largest_gap_leads_the_top_gaps(head: Page, server: ConsoleServer) -> None:
    unanswered = [a for a in asked_within(7) if a.decision == "fallback"]
    largest = max(unanswered, key=lambda a: a.count)
    first = head.locator("ol.gaps li").first
    expect(first).to_contain_text(largest.text)
    assert int(first.get_attribute("data-gap-size") or 0) == largest.count
