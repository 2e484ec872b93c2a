"""Every page of the console reads on a 360-px phone (nothing to scroll sideways) and on a desktop;
a screenshot of each is saved in tests/console/artifacts/."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect

from tests.console.harness import DESKTOP, PHONE, ConsoleServer, horizontal_overflow, log_in, open_page, screenshot

PAGES = {  # name: (who, path)
    "login": ("", "/console/login"),
    "dashboard": ("head", "/console/?days=30"),
    "tickets": ("head", "/console/tickets"),
    "ticket": ("head", "/console/tickets/1"),
    "staff": ("head", "/console/staff"),
    "refused": ("viewer", "/console/staff"),
}


@pytest.mark.parametrize("width", [PHONE, DESKTOP])
@pytest.mark.parametrize("name", PAGES)
def test_the_page_fits_the_screen(chromium: Browser, server: ConsoleServer, name: str, width: int) -> None:
    who, path = PAGES[name]
    page = open_page(chromium, width)
    try:
        if who:
            log_in(page, server, who)
            expect(page.locator(".me")).to_be_visible()
        page.goto(server.url + path)
        expect(page.locator("h1")).to_be_visible()
        screenshot(page, name)
        assert page.evaluate("document.scrollingElement.scrollWidth") <= width
        assert horizontal_overflow(page) == 0
    finally:
        page.context.close()
