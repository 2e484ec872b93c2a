"""A real `civic-desk serve` on loopback with a seeded database, and Debian's Chromium to drive it.

Synchronous on purpose: Playwright's sync API reads like a person using the page; the
seeding runs its own event loop in a thread, apart from Playwright's.
Every wait is bounded; the server is killed at the end of its module whatever happened.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import datetime as dt
import os
import signal
import subprocess
import time
import urllib.error
import urllib.request
import zoneinfo
from pathlib import Path

from playwright.sync_api import Browser, Page
from sqlalchemy.ext.asyncio import create_async_engine

from bot.db import schema
from bot.db.models import utcnow
from tests.console.seed import ACCOUNTS, PASSWORD, seed_desk, seed_staff
from tests.faults.serve import command, free_port
from tests.fixtures import reset_database

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"]
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
DESKTOP, PHONE = 1280, 360
START_TIMEOUT = 60.0  # a cold start imports aiogram and builds the index: slow on a loaded machine


def midday_zone(now: dt.datetime) -> str:
    """A fixed-offset zone in which `now` is about noon: the served console counts days in the desk's
    zone, so a run seeded and viewed there never straddles the desk's midnight."""
    offset = 12 - now.hour  # -11 .. +12 hours, all of them zones
    return "Etc/GMT" if offset == 0 else f"Etc/GMT{-offset:+d}"  # the Etc names invert the sign


async def prepare(database_url: str, now: dt.datetime, zone: str) -> None:
    """An empty database at the newest schema with the seeded past and the three accounts."""
    engine = create_async_engine(database_url)
    try:
        await reset_database(engine)
        await schema.upgrade(engine)
        await seed_desk(engine, now, zoneinfo.ZoneInfo(zone))
        await seed_staff(engine)
    finally:
        await engine.dispose()


class ConsoleServer:
    """`civic-desk serve --no-channels` (the console under /console), or `civic-desk console`, in a
    process group of its own."""

    def __init__(self, database_url: str, workdir: Path, command: str = "serve", **settings: str) -> None:
        self.port = free_port()
        self.argv = ["serve", "--no-channels"] if command == "serve" else [command]
        self.url = f"http://127.0.0.1:{self.port}"
        self.workdir = workdir
        env = {k: v for k, v in os.environ.items() if not k.startswith("DESK_")}
        env.update({"DESK_DATABASE_URL": database_url, "DESK_HOST": "127.0.0.1", "DESK_PORT": str(self.port),
                    "DESK_CONSOLE_PORT": str(self.port),
                    "DESK_LOG_FORMAT": "json", "DESK_TIMEZONE": "UTC", "DESK_WORKING_HOURS": "Mon-Sun 00:00-24:00",
                    "DESK_HOLIDAYS": ""})
        env.update({f"DESK_{key.upper()}": value for key, value in settings.items()})
        self.env = env
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with (self.workdir / "serve.log").open("ab") as log:
            self.process = subprocess.Popen([*command(), *self.argv], env=self.env,
                                            cwd=self.workdir, stdout=subprocess.DEVNULL, stderr=log,
                                            start_new_session=True)
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"serve exited: {self.log()}")
            with contextlib.suppress(OSError, urllib.error.URLError), \
                    urllib.request.urlopen(self.url + "/console/login", timeout=2) as response:
                if response.status == 200:
                    return
            time.sleep(0.1)
        raise TimeoutError(f"the console did not answer within {START_TIMEOUT:.0f} s: {self.log()}")

    def log(self) -> str:
        return (self.workdir / "serve.log").read_text(errors="replace")

    def stop(self) -> None:
        if self.process is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=20)


def seeded_database(workdir: Path) -> tuple[str, str]:
    """The test database (or a SQLite file in `workdir`) freshly seeded: its URL and the desk's zone."""
    url = os.environ.get("DESK_TEST_DATABASE_URL") or f"sqlite+aiosqlite:///{workdir / 'desk.db'}"
    now = utcnow()
    zone = midday_zone(now)
    with concurrent.futures.ThreadPoolExecutor(1) as pool:  # Playwright's loop may run in this thread
        pool.submit(asyncio.run, prepare(url, now, zone)).result()
    return url, zone


def start_seeded(workdir: Path, command: str = "serve", **settings: str) -> ConsoleServer:
    """`civic-desk serve` (or `command`, e.g. "console") over a freshly seeded database, answering."""
    url, zone = seeded_database(workdir)
    server = ConsoleServer(url, workdir, command, **{"timezone": zone, **settings})
    server.start()
    return server


def open_page(browser: Browser, width: int) -> Page:
    context = browser.new_context(viewport={"width": width, "height": 800 if width > PHONE else 740})
    context.set_default_timeout(15_000)
    return context.new_page()


def another_browser(page: Page) -> Page:
    """A second person: a page of a new browser context (no cookies shared) at the same width."""
    browser = page.context.browser
    assert browser is not None
    return open_page(browser, page.viewport_size["width"] if page.viewport_size else DESKTOP)


def log_in(page: Page, server: ConsoleServer, role: str, password: str = PASSWORD) -> Page:
    """Through the login form, as a person would."""
    page.goto(server.url + "/console/login")
    page.fill("input[name=name]", ACCOUNTS[role])
    page.fill("input[name=password]", password)
    page.click("form.stack button")
    return page


def screenshot(page: Page, name: str) -> Path:
    """The whole page as a PNG in tests/console/artifacts/ (git-ignored), named by page and width."""
    ARTIFACTS.mkdir(exist_ok=True)
    width = page.viewport_size["width"] if page.viewport_size else 0
    path = ARTIFACTS / f"{name}-{width}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def horizontal_overflow(page: Page) -> int:
    """How many pixels the page is wider than the screen (0: nothing to scroll sideways)."""
    return int(page.evaluate("document.scrollingElement.scrollWidth - window.innerWidth"))
