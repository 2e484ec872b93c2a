"""Fixtures of the browser tests: a seeded `civic-desk serve`, Chromium, pages."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from tests.console.harness import CHROMIUM, CHROMIUM_ARGS, DESKTOP, ConsoleServer, log_in, open_page, start_seeded


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


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ConsoleServer]:
    """One seeded server for the browser tests (a start costs seconds); tests that would disturb
    the others (throttling locks the browser's address) start their own with `start_seeded`."""
    served = start_seeded(Path(tmp_path_factory.mktemp("console")))
    try:
        yield served
    finally:
        served.stop()


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
