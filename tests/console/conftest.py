"""Fixtures of the browser tests: Chromium and its pages. The seeded `civic-desk serve` they talk to
is `server`: shared by tests/console/browser (its conftest), or a module's own."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from tests.console.harness import CHROMIUM, CHROMIUM_ARGS, DESKTOP, ConsoleServer, log_in, open_page


@pytest.fixture(scope="module")
def chromium() -> Iterator[Browser]:
    """Debian's Chromium. In CI (CI set) a missing one fails the run: .ci/run installs it first."""
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing: .ci/run installs Debian's chromium before the tests")
        pytest.skip(f"{CHROMIUM} is missing: `apt-get install chromium` to run the console's browser tests")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(chromium: Browser) -> Iterator[Page]:
    """A fresh browser (no cookies) at desktop width."""
    page = open_page(chromium, DESKTOP)
    yield page
    page.context.close()


@pytest.fixture
def head(page: Page, server: ConsoleServer) -> Page:
    """The centre's head, logged in, on the dashboard."""
    return log_in(page, server, "head")
