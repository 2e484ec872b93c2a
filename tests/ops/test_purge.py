"""Retention: old texts are blanked, rows and counts stay, new texts are kept."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app import cli
from bot.app.config import Settings
from bot.db.models import InboundEvent, Question, User, utcnow
from bot.db.store import SqlDeskStore
from bot.ops.retention import parse_age, purge
from handlers import Channel
from handlers.ports import LoggedQuestion

OLD = utcnow() - dt.timedelta(days=400)


async def seed(engine: AsyncEngine) -> None:
    """Two users: one last seen 400 days ago with an old question and delivery, one active today."""
    store = SqlDeskStore(engine)
    old_user = await store.touch_user(Channel.WHATSAPP, "77011234567", "Айгерім")
    new_user = await store.touch_user(Channel.TELEGRAM, "4242", "Айгүл")
    old_q = await store.log_question(old_user.id, LoggedQuestion("мой ИИН 900101300123", "ru", "answer", "x", 1))
    await store.log_question(new_user.id, LoggedQuestion("грант қалай алуға болады", "kk", "answer", "y", 1))
    async with engine.begin() as conn:
        await conn.execute(update(Question).where(Question.id == old_q).values(created_at=OLD))
        await conn.execute(update(User).where(User.id == old_user.id).values(last_seen=OLD))
        await conn.execute(InboundEvent.__table__.insert(), [
            {"channel": "whatsapp", "event_key": "old-done", "payload": '{"text": "old"}', "status": "done",
             "received_at": OLD},
            {"channel": "whatsapp", "event_key": "old-pending", "payload": '{"text": "kept"}', "status": "pending",
             "received_at": OLD},
            {"channel": "telegram", "event_key": "new", "payload": '{"text": "new"}', "status": "done",
             "received_at": utcnow()}])


async def test_old_texts_are_blanked_and_every_row_stays(engine: AsyncEngine) -> None:
    await seed(engine)
    assert await purge(engine, dt.timedelta(days=365), dry_run=True) == {"stale open tickets": 0,
        "question texts": 1, "inbox payloads": 1, "WhatsApp outbound payloads": 0, "user names": 1,
        "WhatsApp contact names": 0, "ticket names": 0, "ticket handles": 0, "ticket histories": 0,
        "relayed texts": 0, "relayed payloads": 0, "ticket assignees": 0, "ticket consultants": 0,
        "consultant names": 0, "consultant usernames": 0, "relayed authors": 0,
        "relayed errors": 0, "inbox errors": 0, "WhatsApp outbound errors": 0, "WhatsApp failure titles": 0,
        "WhatsApp failure details": 0, "WhatsApp menu choices": 0, "draft texts": 0, "draft authors": 0,
        "draft rejection reasons": 0, "kept answers": 0, "kept answer errors": 0,
        "console login attempts": 0, "console sessions": 0}
    counts = await purge(engine, dt.timedelta(days=365))
    assert counts["question texts"] == 1 and counts["inbox payloads"] == 1 and counts["user names"] == 1

    async with engine.connect() as conn:
        questions = (await conn.execute(select(Question.text, Question.decision).order_by(Question.id))).all()
        events = dict((await conn.execute(select(InboundEvent.event_key, InboundEvent.payload))).all())
        names = (await conn.execute(select(User.name).order_by(User.id))).scalars().all()
    assert [tuple(q) for q in questions] == [("", "answer"), ("грант қалай алуға болады", "answer")]
    assert events == {"old-done": "{}", "old-pending": '{"text": "kept"}', "new": '{"text": "new"}'}
    assert names == ["", "Айгүл"]
    assert await purge(engine, dt.timedelta(days=365)) == dict.fromkeys(counts, 0)  # idempotent


@pytest.mark.parametrize(("text", "days"), [("365d", 365), ("52w", 364), ("12h", 0.5), (" 30d ", 30), ("1y", 365),
                                           ("2y", 730)])
def test_ages(text: str, days: float) -> None:
    assert parse_age(text) == dt.timedelta(days=days)


@pytest.mark.parametrize("text", ["", "365", "1m", "-5d", "0d", "0y", "d", "1y2d"])
def test_bad_ages_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="expected an age like 1y, 365d"):
        parse_age(text)


def test_the_command(engine: AsyncEngine, settings: Settings, monkeypatch: pytest.MonkeyPatch,
                     capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("DESK_DATABASE_URL", settings.database_url)
    assert cli.run(["purge", "--older-than", "365d", "--dry-run"]) == 0
    assert "question texts: would blank 0" in capsys.readouterr().out
    assert cli.run(["purge", "--older-than", "1 year"]) == 2
    assert "expected an age like 1y, 365d" in capsys.readouterr().err
