"""Login throttling: failures lock the account for the window, and enough of them lock the address."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from bot.app.config import Settings
from tests.console.harness import ConsoleServer, log_in, start_seeded
from tests.console.seed import ACCOUNTS, PASSWORD

PER_ACCOUNT, PER_ADDRESS, WINDOW = 5, 8, 15
LOCKED = f"Слишком много неудачных попыток. Попробуйте снова через {WINDOW} мин."


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ConsoleServer]:
    """A server of its own: the lock of the browser's address would shut out every other test."""
    served = start_seeded(Path(tmp_path_factory.mktemp("throttle")), console_login_failures=str(PER_ACCOUNT),
                          console_address_failures=str(PER_ADDRESS), console_login_window_minutes=str(WINDOW))
    try:
        yield served
    finally:
        served.stop()


def try_password(page: Page, server: ConsoleServer, name: str, password: str) -> str:
    page.goto(server.url + "/console/login")
    page.fill("input[name=name]", name)
    page.fill("input[name=password]", password)
    page.click("form.stack button")
    return page.locator(".error").inner_text() if page.locator(".error").count() else ""


def test_after_five_wrong_passwords_even_the_right_one_waits(page: Page, server: ConsoleServer) -> None:
    curator = ACCOUNTS["curator"]
    for _ in range(PER_ACCOUNT):
        assert try_password(page, server, curator, "a wrong guess") == "Неверное имя или пароль."
    assert try_password(page, server, curator, PASSWORD) == LOCKED
    expect(page.locator("h1")).to_have_text("Вход")
    log_in(page, server, "head")  # another account from the same address still may
    expect(page).to_have_url(server.url + "/console/")


def test_enough_failures_from_one_address_lock_every_account_there(page: Page, server: ConsoleServer) -> None:
    answers = [try_password(page, server, f"nobody{n}", "a wrong guess") for n in range(PER_ADDRESS)]
    assert LOCKED in answers  # within the address's limit, whatever this address failed before
    assert set(answers[:answers.index(LOCKED)]) <= {"Неверное имя или пароль."}
    assert try_password(page, server, ACCOUNTS["viewer"], PASSWORD) == LOCKED


def test_the_defaults_are_the_documented_ones() -> None:
    """README and docs/deploy.md promise 5 failures per account, 20 per address, within 15 minutes."""
    defaults = Settings(_env_file=None)  # type: ignore[call-arg]
    assert (defaults.console_login_failures, defaults.console_address_failures,
            defaults.console_login_window_minutes, defaults.console_idle_minutes) == (5, 20, 15, 30)
