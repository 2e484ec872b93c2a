"""The weekly digest: due at the configured local time, posted by one instance only, in the staff's language."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.analytics.digest import Digest
from bot.app.config import Settings
from handlers import Channel, Desk, Inbound, InboundKind, Translator
from knowledge import Matcher

ALMATY = dt.timezone(dt.timedelta(hours=5))
MONDAY_9 = dt.datetime(2026, 12, 7, 9, 0, tzinfo=ALMATY)  # the configured slot


def digests(settings: Settings, engine: AsyncEngine, matcher: Matcher, posted: list[str], n: int) -> list[Digest]:
    async def post(text: str) -> None:
        posted.append(text)

    weekly = settings.model_copy(update={"digest_day": "Mon", "digest_time": "09:00", "kb_max_age_days": 1})
    return [Digest(weekly, engine, lambda: matcher, post, Translator()) for _ in range(n)]


def next_slot(after: dt.datetime, digest: Digest) -> dt.datetime:
    """The first Monday 09:00 in the desk's zone after `after`: a run then covers the week just logged."""
    local = after.astimezone(digest.hours.zone)
    day = local.date() + dt.timedelta(days=-local.weekday())
    slot = dt.datetime.combine(day, dt.time(9), digest.hours.zone)
    return slot if slot > local else slot + dt.timedelta(days=7)


async def test_one_digest_a_week_whatever_the_number_of_instances(settings: Settings, engine: AsyncEngine,
                                                                  matcher: Matcher) -> None:
    posted: list[str] = []
    first, second = digests(settings, engine, matcher, posted, 2)
    assert not await first.run_once(MONDAY_9 - dt.timedelta(minutes=1))
    assert [await d.run_once(MONDAY_9 + dt.timedelta(seconds=30)) for d in (first, second)] == [True, False]
    assert not await first.run_once(MONDAY_9 + dt.timedelta(days=3))  # the same week
    assert await second.run_once(MONDAY_9 + dt.timedelta(days=7))  # the next one
    assert len(posted) == 2


async def test_the_digest_lists_gaps_unhelpful_and_overdue_entries_and_csat(
        settings: Settings, engine: AsyncEngine, matcher: Matcher, sql_desk: Desk) -> None:
    for chat in ("1", "2"):
        await sql_desk.handle(Inbound(Channel.TELEGRAM, chat, InboundKind.TEXT,
                                  "Как изменить устав общественного объединения?"))
    posted: list[str] = []
    (digest,) = digests(settings, engine, matcher, posted, 1)
    assert await digest.run_once(next_slot(dt.datetime.now(dt.UTC), digest) + dt.timedelta(seconds=30))
    (text,) = posted
    assert text.startswith("📊 Неделя бота: ")
    assert "Крупнейшие пробелы (вопросы, на которые бот не ответил):\n1. 2 × «Как изменить устав общественного" in text
    assert "Статьи, чаще всего отмеченные как «не помогло»:\n—" in text
    assert "Статьи, которые пора перепроверить:\n• " in text  # checked more than a day ago
    assert text.endswith("CSAT за неделю: — (оценок: 0)")


@pytest.mark.parametrize("day", ["Monday", "Fri,Sat", "1"])
def test_a_wrong_digest_day_stops_the_start(settings: Settings, day: str) -> None:
    with pytest.raises(ValueError, match="digest_day"):
        Settings.model_validate({**settings.model_dump(), "digest_day": day})
