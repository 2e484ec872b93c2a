"""Loud and honest start-up: what `serve` will do, and every mistake as one line naming the setting."""

from __future__ import annotations

import json
import os
import socket
import subprocess
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app import cli
from bot.app.config import Settings
from bot.app.startup import NO_CHANNEL
from bot.app.web import create_app
from knowledge import Matcher
from tests.faults.serve import Served, SlowBotAPI, command

TOKEN = "123456:AAE-test-token"
POSTGRES = os.environ.get("DESK_TEST_DATABASE_URL", "")  # read before a test clears the DESK_ variables


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = cli.run(list(argv))
    return code, capsys.readouterr().err


@pytest.fixture
def desk_env(monkeypatch: pytest.MonkeyPatch, settings: Settings) -> None:
    for name in [n for n in os.environ if n.startswith("DESK_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("DESK_DATABASE_URL", settings.database_url)
    monkeypatch.chdir(Path(settings.database_url.rpartition("/")[2]).parent)  # no developer's .env


@pytest.mark.parametrize(("settings_", "line"), [
    ({}, NO_CHANNEL),
    ({"TELEGRAM_TOKEN": TOKEN}, "DESK_PUBLIC_URL is not set: set it to the https address Telegram calls "
                                "(e.g. https://desk.example.kz), or run `serve --polling`"),
    ({"TELEGRAM_TOKEN": TOKEN, "PUBLIC_URL": "https://desk.example.kz", "TELEGRAM_WEBHOOK_SECRET": "a b"},
     "DESK_TELEGRAM_WEBHOOK_SECRET must be 1-256 of A-Z a-z 0-9 _ - (make one with: openssl rand -hex 32)"),
    ({"WHATSAPP_TOKEN": "EAAG", "WHATSAPP_APP_SECRET": "s"},
     "DESK_WHATSAPP_PHONE_NUMBER_ID, DESK_WHATSAPP_VERIFY_TOKEN not set: WhatsApp needs all four of token, "
     "phone number id, app secret and verify token"),
    ({"CONSULTANT_CHAT_ID": "-1001234567890", "WHATSAPP_TOKEN": "t", "WHATSAPP_APP_SECRET": "s",
      "WHATSAPP_PHONE_NUMBER_ID": "1", "WHATSAPP_VERIFY_TOKEN": "v"},
     "DESK_CONSULTANT_CHAT_ID needs DESK_TELEGRAM_TOKEN: the bot posts tickets in that Telegram group"),
])
def test_serve_refuses_a_missing_or_half_configured_channel_in_one_line(
        desk_env: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        settings_: dict[str, str], line: str) -> None:
    for name, value in settings_.items():
        monkeypatch.setenv(f"DESK_{name}", value)
    assert run(capsys, "serve") == (1, f"civic-desk cannot start: {line}\n")


def test_a_port_in_use_is_named_as_such(desk_env: None, engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        monkeypatch.setenv("DESK_PORT", str(port))
        code, err = run(capsys, "serve", "--no-channels")
    assert code == 1
    assert err.endswith(f"civic-desk cannot start: 127.0.0.1:{port} is already in use (another desk or program "
                        "listens there): stop it or choose another DESK_PORT\n")
    assert "database" not in err


async def test_readyz_is_not_ready_while_no_channel_can_receive(settings: Settings, engine: AsyncEngine,
                                                                matcher: Matcher) -> None:
    async with TestClient(TestServer(create_app(settings, engine, matcher))) as client:
        response = await client.get("/readyz")
        assert response.status == 503
        assert await response.json() == {"status": "unavailable",
                                          "problems": ["no channel can receive messages: configure Telegram "
                                                       "or WhatsApp"]}


async def test_serve_says_serving_only_once_listening_and_names_each_part(
        engine: AsyncEngine, settings: Settings, served_bot_api: SlowBotAPI, tmp_path: Path) -> None:
    server = Served(settings.database_url, served_bot_api.url, tmp_path)
    try:
        await server.start()
    finally:
        await server.stop()
    messages = [json.loads(line)["msg"] for line in (await server.stderr()).splitlines()]
    assert messages[:4] == [
        "telegram: active: webhook at https://desk.example.kz/webhook/telegram",
        "whatsapp: inactive: DESK_WHATSAPP_TOKEN and the other WhatsApp settings are not set",
        "consultants: inactive: DESK_CONSULTANT_CHAT_ID is not set: users who ask for a person are told to "
        "contact the centre directly",
        "templates: inactive: DESK_WHATSAPP_REPLY_TEMPLATE is not set: a consultant's reply after WhatsApp's "
        "24-hour window waits until the user writes again"]
    registered = next(i for i, m in enumerate(messages) if m.startswith("Telegram webhook set to"))
    serving = messages.index(f"civic-desk serving on 127.0.0.1:{server.port} (telegram)")
    assert registered < serving


def test_tickets_and_purge_on_a_database_never_upgraded(desk_env: None, capsys: pytest.CaptureFixture[str],
                                                        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DESK_DATABASE_URL", f"sqlite:///{tmp_path / 'fresh.db'}")  # no driver named: aiosqlite
    advice = "the database schema is at nothing, the desk needs "
    code, err = run(capsys, "tickets")
    assert code == 1 and err.startswith(f"civic-desk tickets: {advice}") and err.endswith("db upgrade` first\n")
    code, err = run(capsys, "purge", "--older-than", "1y")
    assert code == 1 and err.startswith(f"civic-desk purge: {advice}")
    assert run(capsys, "db", "upgrade")[0] == 0
    assert cli.run(["purge", "--older-than", "1y", "--dry-run"]) == 0
    assert "question texts: would blank 0" in capsys.readouterr().out


@pytest.mark.parametrize("days", ["0", "-3", "x"])
def test_kb_check_refuses_an_age_that_is_not_a_positive_number(capsys: pytest.CaptureFixture[str],
                                                               days: str) -> None:
    with pytest.raises(SystemExit) as stopped:
        cli.run(["kb", "check", f"--max-age-days={days}"])
    assert stopped.value.code == 2
    assert f"expected a number of days, 1 or more, not '{days}'" in capsys.readouterr().err


@pytest.mark.parametrize("pipeline", ["kb export | head -1", "kb check --max-age-days 1 | head -1",
                                      "ask --jsonl | head -1 >/dev/null"])
def test_output_piped_into_head_ends_quietly(tmp_path: Path, pipeline: str) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DESK_")}
    script = f"set -o pipefail; {' '.join(command())} {pipeline} >/dev/null"
    if pipeline.startswith("ask"):
        lines = "seq 3000 | sed 's/.*/{\"text\": \"грант\"}/'"  # more than a pipe holds: the write fails
        script = f"set -o pipefail; {lines} | {' '.join(command())} {pipeline}"
    done = subprocess.run(["bash", "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0
    assert "Traceback" not in done.stderr and "Exception ignored" not in done.stderr
    assert "Broken pipe" not in done.stderr


def postgres() -> Any:
    if not POSTGRES.startswith("postgresql"):
        pytest.skip("DESK_TEST_DATABASE_URL is not a PostgreSQL")
    return make_url(POSTGRES)


@pytest.mark.parametrize(("change", "says"), [
    ({"database": "civic_desk_no_such_db"}, "the database civic_desk_no_such_db does not exist on {host}: create it "
                                            "(sudo -u postgres createdb -O {user} civic_desk_no_such_db)"),
    ({"username": "civic_desk_no_such_role"}, "PostgreSQL on {host} refused the role civic_desk_no_such_role"),
])
def test_a_missing_postgresql_database_or_role_is_named(desk_env: None, monkeypatch: pytest.MonkeyPatch,
                                                       capsys: pytest.CaptureFixture[str],
                                                       change: dict[str, str], says: str) -> None:
    url = postgres()
    wrong = url.set(drivername="postgresql", **change)  # as PostgreSQL's own documentation writes addresses
    monkeypatch.setenv("DESK_DATABASE_URL", wrong.render_as_string(hide_password=False))
    for argv in (["db", "upgrade"], ["tickets"]):
        code, err = run(capsys, *argv)
        assert code == 1 and "Traceback" not in err
        assert err.startswith("civic-desk: " + says.format(host=url.host, user=url.username))
