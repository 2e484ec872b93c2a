"""A ticket nobody answers within its centre's target, counted in the centre's working hours only,
is flagged in its topic's name and raised to the centre's head, once."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app.config import Settings
from handlers import sla
from knowledge import Matcher
from tests.channels.telegram.fake_api import FakeBotAPI
from tests.channels.whatsapp.fake_graph import FakeGraph
from tests.clock import ALMATY, FakeClock
from tests.consultants.centres import HEAD, KARAGANDA_GROUP, PAVLODAR_GROUP, consultant, sent, user
from tests.service import DeskService, running

TUESDAY_4PM = dt.datetime(2026, 1, 6, 16, 0, tzinfo=ALMATY)  # Wednesday 7 January is a public holiday
THURSDAY = dt.date(2026, 1, 8)


@pytest.fixture
async def desk(centres_settings: Settings, engine: AsyncEngine, matcher: Matcher, bot_api: FakeBotAPI,
               graph: FakeGraph, clock: FakeClock) -> AsyncIterator[DeskService]:
    clock.set(TUESDAY_4PM)
    settings = centres_settings.model_copy(update={"sla_minutes": 60})
    async with running(settings, engine, matcher, bot_api, graph, clock) as service:
        yield service


async def check_at(desk: DeskService, moment: dt.datetime) -> tuple[int, list[dict[str, Any]]]:
    """Run the periodic check at `moment`; how many tickets it flagged and the calls that made."""
    desk.clock.set(moment)
    mark = len(desk.api.calls)
    flagged = await sla.check(desk.shell.desk.team)
    await desk.settle()
    return flagged, desk.api.calls[mark:]


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), ALMATY)


async def test_the_flag_fires_after_the_working_minutes_across_a_night_and_a_holiday_not_before(
        desk: DeskService) -> None:
    await desk.telegram.says("Соедините с консультантом, я из Караганды")  # Tuesday 16:00, a 180-minute target

    # Tuesday 16:00-18:00 counts 120 minutes; the night and Wednesday's holiday count nothing.
    for moment in (at(TUESDAY_4PM.date(), 19), at(dt.date(2026, 1, 7), 12), at(THURSDAY, 9, 59)):
        assert await check_at(desk, moment) == (0, []), moment

    flagged, calls = await check_at(desk, at(THURSDAY, 10))

    assert flagged == 1
    assert {"method": "editForumTopic", "params": {"chat_id": KARAGANDA_GROUP, "message_thread_id": 101,
                                                   "name": "⚠️ №1 · ru · Telegram · Айгүл Серікова"}} in calls
    [raised] = sent(calls, HEAD)
    assert raised == ("⚠️ Обращение №1 (Telegram, Айгүл Серікова) ждёт первого ответа консультанта больше 180 "
                      "рабочих минут, а это предельный срок центра. Центр: Карагандинский центр.\n"
                      "https://t.me/c/2000000001/101")
    assert await check_at(desk, at(THURSDAY, 12)) == (0, [])  # once
    metrics = await (await desk.client.get("/metrics")).text()
    assert 'desk_tickets_late{centre="karaganda"} 1.0' in metrics
    assert 'desk_tickets_open{centre="karaganda"} 1.0' in metrics


async def test_an_answered_ticket_is_never_flagged_and_other_centres_use_the_desks_default(desk: DeskService) -> None:
    await desk.telegram.says("Соедините с консультантом, я из Караганды")
    await consultant(desk, KARAGANDA_GROUP, 101).says("Здравствуйте, смотрю ваш вопрос.")
    await user(desk, 2).says("Соедините с консультантом, я из Павлодара")  # DESK_SLA_MINUTES=60, no head

    assert await check_at(desk, at(TUESDAY_4PM.date(), 16, 59)) == (0, [])
    flagged, calls = await check_at(desk, at(TUESDAY_4PM.date(), 17))

    assert flagged == 1  # Pavlodar's ticket; Karaganda's was answered
    [raised] = sent(calls, PAVLODAR_GROUP)  # no head configured: the group's general topic
    assert raised.startswith("⚠️ Обращение №2 (Telegram, Пайдаланушы 2) ждёт первого ответа консультанта больше "
                             "60 рабочих минут")
    assert await check_at(desk, at(THURSDAY, 17)) == (0, [])


async def test_a_head_who_never_started_the_bot_is_replaced_by_the_general_topic(desk: DeskService) -> None:
    desk.api.blocked.add(HEAD)
    await desk.telegram.says("Соедините с консультантом, я из Караганды")

    flagged, calls = await check_at(desk, at(THURSDAY, 10))

    assert flagged == 1
    assert [c["params"]["chat_id"] for c in calls if c["method"] == "sendMessage"] == [HEAD, KARAGANDA_GROUP]
    assert sent(calls, KARAGANDA_GROUP)[0].startswith("⚠️ Обращение №1")
    assert desk.shell.team.workspace is not None
    assert not await desk.shell.team.workspace.problem("karaganda")  # the head's refusal is not the group's


def renames(calls: list[dict[str, Any]]) -> list[str]:
    return [c["params"]["name"] for c in calls if c["method"] == "editForumTopic"]


async def test_the_first_reply_takes_the_flag_off_the_topics_name_once(desk: DeskService) -> None:
    await desk.telegram.says("Соедините с консультантом, я из Караганды")
    flagged, calls = await check_at(desk, at(THURSDAY, 10))
    assert flagged == 1 and renames(calls) == ["⚠️ №1 · ru · Telegram · Айгүл Серікова"]

    mark = len(desk.api.calls)
    await consultant(desk, KARAGANDA_GROUP, 101).says("Здравствуйте, смотрю ваш вопрос.")
    await desk.settle()
    assert renames(desk.api.calls[mark:]) == ["№1 · ru · Telegram · Айгүл Серікова"]

    mark = len(desk.api.calls)
    await consultant(desk, KARAGANDA_GROUP, 101, counter=1).says("Нашла ответ, пишу.")
    await consultant(desk, KARAGANDA_GROUP, 101, counter=2).says("/close")
    await desk.settle()
    assert renames(desk.api.calls[mark:]) == []  # later replies and the close leave the name alone
    assert await check_at(desk, at(THURSDAY, 17)) == (0, [])


async def test_a_late_ticket_closed_without_a_reply_loses_its_flag_and_an_unflagged_one_is_not_renamed(
        desk: DeskService) -> None:
    second = user(desk, 2)
    await desk.telegram.says("Соедините с консультантом, я из Караганды")
    await second.says("Соедините с консультантом, я из Караганды")
    assert (await check_at(desk, at(THURSDAY, 10)))[0] == 2
    await user(desk, 3).says("Соедините с консультантом, я из Караганды")  # opened now: not late

    mark = len(desk.api.calls)
    await consultant(desk, KARAGANDA_GROUP, 101).says("/close")
    await second.says("/end")  # the user ends the chat before anyone answered
    await consultant(desk, KARAGANDA_GROUP, 103, counter=1).says("/close")
    await desk.settle()

    assert renames(desk.api.calls[mark:]) == ["№1 · ru · Telegram · Айгүл Серікова",
                                              "№2 · ru · Telegram · Пайдаланушы 2"]
