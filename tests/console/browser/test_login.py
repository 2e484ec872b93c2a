"""Logging in to the console in a real browser: the right password, a wrong one, logging out."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.console.harness import ConsoleServer, log_in, screenshot
from tests.console.seed import ACCOUNTS


def test_a_page_of_the_console_asks_a_stranger_to_log_in_first(page: Page, server: ConsoleServer) -> None:
    page.goto(server.url + "/console/")
    expect(page).to_have_url(server.url + "/console/login?next=/console/")
    expect(page.locator("h1")).to_have_text("Вход")
    screenshot(page, "login")


def test_the_right_password_opens_the_dashboard_with_the_members_name(page: Page, server: ConsoleServer) -> None:
    log_in(page, server, "head")
    expect(page).to_have_url(server.url + "/console/")
    expect(page.locator(".me")).to_contain_text(ACCOUNTS["head"])
    page.click("form.logout button")
    expect(page).to_have_url(server.url + "/console/login")
    page.goto(server.url + "/console/")
    expect(page.locator("h1")).to_have_text("Вход")


def test_a_wrong_password_is_told_and_lets_nobody_in(page: Page, server: ConsoleServer) -> None:
    log_in(page, server, "curator", password="not the password")
    expect(page.locator(".error")).to_have_text("Неверное имя или пароль.")
    expect(page.locator("input[name=name]")).to_have_value(ACCOUNTS["curator"])
    page.goto(server.url + "/console/")
    expect(page.locator("h1")).to_have_text("Вход")


def test_the_language_switch_turns_the_console_kazakh(head: Page, server: ConsoleServer) -> None:
    head.click("form.lang button[value=kk]")
    expect(head.locator("html")).to_have_attribute("lang", "kk")
    expect(head.locator("form.logout button")).to_have_text("Шығу")
