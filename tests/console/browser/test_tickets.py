"""Tickets in the console: the list and its filters, one ticket's transcript, the report as CSV."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from playwright.sync_api import Page, expect

from tests.console.harness import ConsoleServer, screenshot
from tests.console.seed import ASKED, CONSULTANT_SAYS, TICKETS, USER_SAYS


def listed_names(page: Page) -> list[str]:
    return [row.locator("td").nth(4).inner_text() for row in page.locator("table[data-table=tickets] tbody tr").all()]


def test_the_list_shows_every_ticket_newest_first(head: Page, server: ConsoleServer) -> None:
    head.click("nav >> text=Обращения")
    expect(head).to_have_url(server.url + "/console/tickets")
    newest_first = [t.name for t in sorted(TICKETS, key=lambda t: t.hours_ago)]
    assert listed_names(head) == newest_first
    screenshot(head, "tickets")


def test_filters_narrow_the_list(head: Page, server: ConsoleServer) -> None:
    head.goto(server.url + "/console/tickets")
    head.select_option("select[name=status]", "open")
    head.click("form.filters button")
    assert sorted(listed_names(head)) == sorted(t.name for t in TICKETS if t.status == "open")
    head.select_option("select[name=assignee]", "-")
    head.click("form.filters button")
    assert listed_names(head) == [t.name for t in TICKETS if t.status == "open" and not t.assignee]
    head.goto(server.url + "/console/tickets")
    head.select_option("select[name=channel]", "whatsapp")
    head.select_option("select[name=centre]", "karaganda")
    head.click("form.filters button")
    assert listed_names(head) == [t.name for t in TICKETS if t.channel == "whatsapp" and t.centre == "karaganda"]
    head.select_option("select[name=lang]", "kk")
    head.click("form.filters button")
    expect(head.locator("main")).to_contain_text("Обращений с такими условиями нет.")


def test_a_transcript_shows_the_conversation_notes_apart_and_the_rating(head: Page, server: ConsoleServer) -> None:
    rated = next(t for t in TICKETS if t.rating)
    head.goto(server.url + "/console/tickets")
    head.click(f"table[data-table=tickets] tr:has-text('{rated.name}') a")
    expect(head.locator("h1")).to_contain_text(rated.name)
    expect(head.locator("[data-field=rating]")).to_have_text(f"{rated.rating} / 5")
    expect(head.locator("[data-direction=to_consultants]")).to_contain_text(USER_SAYS)
    expect(head.locator("[data-direction=to_user]")).to_contain_text(CONSULTANT_SAYS)
    expect(head.locator("[data-direction=to_user]")).to_contain_text(rated.assignee)
    expect(head.locator("[data-direction=note]")).to_contain_text("Внутренняя заметка")
    assert head.locator("form[method=post] >> visible=true").count() == 2  # the language and logout only
    screenshot(head, "ticket")


def test_an_unknown_ticket_is_a_clear_not_found(head: Page, server: ConsoleServer) -> None:
    response = head.goto(server.url + "/console/tickets/987654")
    assert response is not None and response.status == 404
    expect(head.locator("h1")).to_have_text("Не найдено")


def test_the_report_downloads_as_csv_with_the_periods_messages(head: Page, server: ConsoleServer) -> None:
    head.goto(server.url + "/console/tickets")
    with head.expect_download() as download:
        head.click("text=Скачать отчёт (CSV)")
    assert download.value.suggested_filename.endswith("-7d.csv")
    rows = list(csv.DictReader(io.StringIO(Path(download.value.path()).read_text(encoding="utf-8-sig"))))
    messages = {row["key"]: int(row["value"]) for row in rows if row["section"] == "usage"
                and row["field"] == "messages"}
    expected: dict[str, int] = {}
    for asked in ASKED:
        if asked.days_ago < 7:
            key = f"{asked.lang}/{asked.channel}"
            expected[key] = expected.get(key, 0) + asked.count
    assert messages == expected
