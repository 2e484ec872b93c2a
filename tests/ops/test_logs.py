"""Logs: one line per event, JSON when asked, redacted, tracebacks folded into the line."""

import asyncio
import json
import logging
import warnings

import pytest
from aiogram import Bot, Dispatcher
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from bot.app.compose import make_engine
from bot.app.config import Settings
from bot.ops import logs


def record(msg: str, *args: object, exc: bool = False, **extra: object) -> logging.LogRecord:
    exc_info = None
    if exc:
        try:
            raise ValueError("card 4111 1111 1111 1111 refused\nsecond line")
        except ValueError:
            import sys
            exc_info = sys.exc_info()
    rec = logging.LogRecord("bot.pipeline.inbox", logging.WARNING, __file__, 1, msg, args, exc_info)
    rec.__dict__.update(extra)
    return rec


def test_json_is_one_object_per_line_with_extra_fields_and_redaction() -> None:
    line = logs.JsonFormatter().format(record("reply to %s failed", "77011234567", exc=True,
                                              channel="whatsapp", event_id=7))
    assert "\n" not in line
    event = json.loads(line)
    assert event["level"] == "warning" and event["logger"] == "bot.pipeline.inbox"
    assert event["msg"] == "reply to [phone] failed"
    assert (event["channel"], event["event_id"]) == ("whatsapp", 7)
    assert "ValueError" in event["exc"] and "[card]" in event["exc"] and "4111" not in event["exc"]
    assert event["ts"].endswith("+00:00")


def test_text_is_one_line_too() -> None:
    line = logs.TextFormatter().format(record("from a@b.kz", exc=True))
    assert "\n" not in line
    assert "from [email]" in line and "ValueError" in line and "4111" not in line
    assert line[:4].isdigit()  # the time stamp is left alone by the redaction


def test_configure_keeps_other_handlers_and_replaces_its_own(capsys: pytest.CaptureFixture[str]) -> None:
    root = logging.getLogger()
    level, before = root.level, list(root.handlers)
    quiet = {name: logging.getLogger(name).level for name in ("aiohttp.access", "aiogram.event",
                                                               "alembic.runtime.migration")}
    try:
        logs.configure("json", "INFO")
        logs.configure("json", "INFO")
        ours = [h for h in root.handlers if isinstance(h, logs.StderrHandler)]
        assert len(ours) == 1 and all(h in root.handlers for h in before)
        logging.getLogger("bot.test").info("hello %s", "+77011234567")
        assert json.loads(capsys.readouterr().err.strip())["msg"] == "hello [phone]"
        assert logging.getLogger("aiogram.event").level == logging.WARNING  # no line per update
    finally:
        root.handlers[:] = before
        root.setLevel(level)
        for name, was in quiet.items():
            logging.getLogger(name).setLevel(was)


def test_an_unknown_telegram_update_is_one_line_without_its_content(capsys: pytest.CaptureFixture[str]) -> None:
    """aiogram's warning would print the whole update (a name, a text) raw on stderr."""
    root = logging.getLogger()
    level, before = root.level, list(root.handlers)
    update = {"update_id": 7, "some_future_kind": {"from": {"first_name": "Айгерім"}, "text": "ИИН 900101300123"}}
    try:
        logging.captureWarnings(False)  # pytest restored `showwarning` after an earlier configure()
        logs.configure("json", "INFO")
        with warnings.catch_warnings():
            warnings.simplefilter("always")
            asyncio.run(Dispatcher().feed_raw_update(Bot("123456:AAE-test"), update))
        lines = capsys.readouterr().err.strip().splitlines()
    finally:
        logging.captureWarnings(False)
        root.handlers[:] = before
        root.setLevel(level)
    assert len(lines) == 1
    assert json.loads(lines[0])["msg"] == ("Telegram sent an update of a type this aiogram does not know; it was "
                                           "skipped (upgrading aiogram adds it)")
    assert "Айгерім" not in lines[0] and "900101" not in lines[0]


async def test_a_failed_statement_never_shows_its_parameters(settings: Settings) -> None:
    engine = make_engine(settings)
    try:
        async with engine.connect() as conn:
            await conn.execute(text("INSERT INTO no_such_table (x) VALUES (:x)"), {"x": "Айгерім +77011234567"})
    except DBAPIError as exc:
        message = str(exc)
    finally:
        await engine.dispose()
    assert "no_such_table" in message and "Айгерім" not in message and "77011234567" not in message
