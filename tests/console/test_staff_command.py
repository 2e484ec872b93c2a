"""`civic-desk staff`: the first account is made in the terminal; refusals are one clear line."""

from __future__ import annotations

import asyncio
import io
import sys
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import create_async_engine

from bot.app import cli
from bot.app.config import Settings
from bot.console.accounts import StaffStore
from bot.console.audit import history
from bot.db.staff import Staff
from tests.fixtures import reset_database

PASSWORD = "correct horse battery"


@pytest.fixture
def database(settings: Settings, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> str:
    """An empty database at the newest schema, named by DESK_DATABASE_URL as an operator would."""
    async def empty() -> None:
        engine = create_async_engine(settings.database_url)
        await reset_database(engine)
        await engine.dispose()

    asyncio.run(empty())
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DESK_DATABASE_URL", settings.database_url)
    assert cli.run(["db", "upgrade"]) == 0
    return settings.database_url


def staff(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, *argv: str,
          stdin: str = "") -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    code = cli.run(["staff", *argv])
    out, err = capsys.readouterr()
    return code, out, err


async def verified(url: str, name: str, password: str) -> bool:
    engine = create_async_engine(url)
    try:
        return await StaffStore(engine).verify(name, password) is not None
    finally:
        await engine.dispose()


async def password_hash(url: str, name: str) -> str:
    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            return str(await conn.scalar(select(Staff.password_hash).where(Staff.name == name)))
    finally:
        await engine.dispose()


async def audit_of(url: str, target: str) -> list[str]:
    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            return [f"{c.who} {c.action}" for c in await history(conn, target)]
    finally:
        await engine.dispose()


def test_the_first_head_is_added_with_the_password_from_stdin(database: str, capsys: pytest.CaptureFixture[str],
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    assert staff(capsys, monkeypatch, "list")[1] == "no accounts yet: civic-desk staff add NAME --role head\n"
    assert staff(capsys, monkeypatch, "add", "Aigerim", "--role", "head", stdin=PASSWORD + "\n") == (
        0, "aigerim added as head\n", "")
    assert staff(capsys, monkeypatch, "list")[1] == "aigerim  head  active\n"
    assert asyncio.run(verified(database, "aigerim", PASSWORD))
    assert asyncio.run(audit_of(database, "staff:aigerim")) == ["cli staff.add"]
    stored = asyncio.run(password_hash(database, "aigerim"))
    assert stored.startswith("$argon2id$") and PASSWORD not in stored


def test_refusals_are_one_line_each(database: str, capsys: pytest.CaptureFixture[str],
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    assert staff(capsys, monkeypatch, "add", "dana", "--role", "curator", stdin="short\n") == (
        1, "", "civic-desk staff: a password needs at least 10 characters\n")
    assert staff(capsys, monkeypatch, "add", "дана", "--role", "curator", stdin=PASSWORD + "\n")[2] == (
        "civic-desk staff: a name is 1-64 of a-z, 0-9, dot, dash and underscore, e.g. aigerim.k\n")
    staff(capsys, monkeypatch, "add", "dana", "--role", "curator", stdin=PASSWORD + "\n")
    assert staff(capsys, monkeypatch, "add", "dana", "--role", "viewer", stdin=PASSWORD + "\n")[2] == (
        "civic-desk staff: there is already an account named dana\n")
    assert staff(capsys, monkeypatch, "passwd", "nobody", stdin=PASSWORD + "\n")[2] == (
        "civic-desk staff: there is no account named nobody\n")


def test_passwd_and_disable_change_who_may_log_in(database: str, capsys: pytest.CaptureFixture[str],
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    staff(capsys, monkeypatch, "add", "yerlan", "--role", "viewer", stdin=PASSWORD + "\n")
    assert staff(capsys, monkeypatch, "passwd", "yerlan", stdin="a brand new secret\n")[0] == 0
    assert not asyncio.run(verified(database, "yerlan", PASSWORD))
    assert asyncio.run(verified(database, "yerlan", "a brand new secret"))
    assert staff(capsys, monkeypatch, "disable", "yerlan")[1] == "yerlan disabled; their sessions ended\n"
    assert staff(capsys, monkeypatch, "list")[1] == "yerlan  viewer  disabled\n"
    assert not asyncio.run(verified(database, "yerlan", "a brand new secret"))
    assert asyncio.run(audit_of(database, "staff:yerlan")) == ["cli staff.disable", "cli staff.password",
                                                               "cli staff.add"]


def test_on_an_old_schema_it_says_what_to_run(settings: Settings, capsys: pytest.CaptureFixture[str],
                                              monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DESK_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}")
    code, _, err = staff(capsys, monkeypatch, "list")
    assert code == 1 and "run `civic-desk db upgrade` first" in err
