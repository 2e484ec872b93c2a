"""Reminders going out: on time, to the right subscribers, once each, whatever the instances and restarts do."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app.config import Settings
from handlers import Translator
from knowledge import Matcher
from tests.channels.telegram.fake_api import FakeBotAPI
from tests.channels.whatsapp.fake_graph import FakeGraph
from tests.channels.whatsapp.meta import USER
from tests.clock import FakeClock
from tests.reminders.conftest import TEMPLATE, Instance, almaty, instance, sent_rows, subscriptions, texts_to

kk, ru = Translator()("kk"), Translator()("ru")
DATABASE, TAX, KARAGANDA, ALMATY_USER = 4001, 4002, 4003, 4004


async def subscribe_everyone(desk: Instance) -> None:
    """Database on both messengers, tax only, and grants only for two different regions."""
    await desk.telegram(DATABASE).presses("rem:y:database:all")
    whatsapp = desk.whatsapp()
    await whatsapp.press("button_reply", "rem:y:database:all")
    await desk.telegram(TAX).presses("rem:y:tax:all")
    await desk.telegram(KARAGANDA).presses("reg:karaganda:rem.grants")
    await desk.telegram(ALMATY_USER).presses("reg:almaty:rem.grants")


def reminders_to(api: FakeBotAPI, chat_id: int) -> list[str]:
    return [t for t in texts_to(api, chat_id) if t.startswith("🔔")]


def templates(graph: FakeGraph) -> list[dict[str, Any]]:
    return [s["template"] for s in graph.sends() if s.get("type") == "template"]


async def test_the_31_march_deadline_fires_30_7_and_1_days_before_once_across_two_instances_and_a_restart(
        remind_settings: Settings, engine: AsyncEngine, matcher: Matcher, bot_api: FakeBotAPI, graph: FakeGraph,
        clock: FakeClock, monkeypatch: pytest.MonkeyPatch) -> None:
    run = (remind_settings, engine, matcher, bot_api, graph, clock)
    async with instance(*run, name="one") as one, instance(*run, name="two") as two:
        await subscribe_everyone(one)
        clock.set(almaty(2, 28, 23))  # the evening before the first reminder: nothing due
        assert [await one.tick(), await two.tick()] == [0, 0]

        clock.set(almaty(3, 1, 10))  # 30 days before 31 March, at the desk's hour
        assert await one.tick() == 3  # database on both messengers, and tax
        assert await two.tick() == 0  # the other instance holds the lease: it sends nothing
        assert await one.tick() == 0  # due still, but stored and sent already
        assert len(reminders_to(bot_api, DATABASE)) == len(reminders_to(bot_api, TAX)) == 1
        assert len(templates(graph)) == 1

        # Instance one dies while sending the 7-day reminders: its first batch of each messenger is in the
        # outbox, claimed by it, and nothing of it went out; the rest are still stored.
        clock.set(almaty(3, 24, 10))
        monkeypatch.setattr("bot.reminders.queue.BATCH", 1)
        assert await one.shell.reminders.tick() == 3  # type: ignore[union-attr]

        claimed: list[object] = []
        both_claimed = asyncio.Event()

        async def dying(made: object) -> None:  # dies once both messengers' first batches are claimed
            claimed.append(made)
            if len(claimed) == 2:
                both_claimed.set()
            await asyncio.wait_for(both_claimed.wait(), 10)  # bounded: a messenger without a batch fails here
            raise ConnectionError("the process died")

        monkeypatch.setattr(one.shell.reminders.queue.outbound, "hand_over", dying)  # type: ignore[union-attr]
        with pytest.raises(ConnectionError):
            await one.shell.reminders.queue.send()  # type: ignore[union-attr]
        one.shell.reminders.queue.close()  # type: ignore[union-attr]  # dead: sends nothing more
        assert await two.tick() == 0  # its lease has not run out yet
        clock.advance(minutes=4)  # it has now (three missed ticks)
        assert await two.tick() == 1  # the rest of what one stored: the second Telegram reminder
        assert sorted(status for *_rest, status in await sent_rows(engine))[-3:] == ["delivered", "queued",
                                                                                   "queued"]

    async with instance(*run, name="one") as one, instance(*run, name="two") as two:  # both restarted
        assert [await one.tick(), await two.tick()] == [0, 0]  # still 24 March: nothing twice, and the
        # reminder one had claimed went out once, by the lease's holder, after one took its claim back
        clock.set(almaty(3, 30, 10))
        assert await one.tick() + await two.tick() == 3
        clock.set(almaty(3, 31, 10))  # the day itself: no reminder is left
        assert [await one.tick(), await two.tick()] == [0, 0]

    for chat_id in (DATABASE, TAX):
        days = [text.split(": ")[-1] for text in (t.split("\n\n")[0] for t in reminders_to(bot_api, chat_id))]
        assert days == ["30.", "7.", "1."]  # "Қалған күн: 30." ...
    assert reminders_to(bot_api, KARAGANDA) == reminders_to(bot_api, ALMATY_USER) == []  # not their stream
    assert len(templates(graph)) == 3
    rows = await sent_rows(engine)
    assert sorted((event, offset) for event, _day, offset, _user, _status in rows) == sorted(
        [("database.annual", n) for n in (30, 7, 1)] * 2 + [("tax.cit-return", n) for n in (30, 7, 1)])
    assert {status for *_rest, status in rows} == {"delivered"}


async def test_a_regional_call_reaches_only_subscribers_of_that_region_or_of_all(desk: Instance,
                                                                               bot_api: FakeBotAPI,
                                                                               clock: FakeClock) -> None:
    await subscribe_everyone(desk)
    await desk.telegram(TAX).presses("rem:y:grants:all")  # every region's calls

    clock.set(almaty(2, 8, 10))  # 7 days before the Karaganda call closes
    assert await desk.tick() == 2
    [karaganda] = reminders_to(bot_api, KARAGANDA)
    assert karaganda.startswith(kk("🔔 Reminder: *{title}*. Deadline: {date}. Days left: {days}.").format(
        title="Қарағанды гранттары", date="15.02.2027", days=7).replace("*Қарағанды гранттары*",
                                                                       "<b>Қарағанды гранттары</b>"))
    assert "https://example.org/grants/karaganda" in karaganda and "«тоқта»" in karaganda
    assert len(reminders_to(bot_api, TAX)) == 1
    assert reminders_to(bot_api, ALMATY_USER) == []


async def test_whatsapp_gets_the_template_outside_the_window_and_the_text_inside_it(
        desk: Instance, graph: FakeGraph, clock: FakeClock) -> None:
    await subscribe_everyone(desk)
    clock.set(almaty(3, 1, 10))  # seven weeks after the user last wrote
    await desk.tick()
    [template] = templates(graph)
    assert template["name"] == TEMPLATE and template["language"] == {"code": "kk"}
    [body] = template["components"]
    parameter = body["parameters"][0]["text"]
    assert body["type"] == "body" and body["parameters"][0]["type"] == "text"
    assert parameter.startswith("ҮЕҰ дерекқорына мәлімет беру, 31.03.2027.") and "\n" not in parameter

    clock.set(almaty(3, 23, 12))
    await desk.whatsapp().say("сәлем")  # the window opens again
    clock.set(almaty(3, 24, 10))
    sends_before = len(graph.sends())
    await desk.tick()
    [reminder] = graph.sends()[sends_before:]
    assert reminder["type"] == "interactive"
    assert reminder["interactive"]["body"]["text"].startswith(kk(
        "🔔 Reminder: *{title}*. Deadline: {date}. Days left: {days}.").format(
        title="ҮЕҰ дерекқорына мәлімет беру", date="31.03.2027", days=7))
    assert reminder["interactive"]["action"]["buttons"] == [
        {"type": "reply", "reply": {"id": "rem:n:*", "title": kk("🔕 Stop reminders")}}]


async def test_a_user_who_said_stop_gets_nothing_more(desk: Instance, bot_api: FakeBotAPI, engine: AsyncEngine,
                                                      clock: FakeClock) -> None:
    await subscribe_everyone(desk)
    clock.set(almaty(3, 1, 10))
    await desk.tick()
    user = desk.telegram(DATABASE)
    [stopped] = await user.says("тоқта")
    assert stopped["params"]["text"] == kk("Reminders stopped: I will not write to you about deadlines any more. "
                                           "To subscribe again, open «Reminders» in the menu.")
    await desk.telegram(TAX).presses("rem:n:*")  # the button under a reminder does the same

    for day in ((3, 24), (3, 30)):
        clock.set(almaty(*day))
        await desk.tick()
    assert len(reminders_to(bot_api, DATABASE)) == len(reminders_to(bot_api, TAX)) == 1
    assert [why for *_rest, why in await subscriptions(engine)][:3] == ["user", None, "user"]


async def test_a_reminder_queued_before_the_stop_is_not_sent(desk: Instance, bot_api: FakeBotAPI,
                                                            clock: FakeClock) -> None:
    await subscribe_everyone(desk)
    clock.set(almaty(3, 1, 10))
    assert desk.shell.reminders is not None and desk.shell.outbound is not None
    assert await desk.shell.reminders.tick() == 3  # stored, not sent yet
    await desk.telegram(DATABASE).says("стоп")
    await desk.shell.reminders.queue.send()
    await desk.shell.reminders.queue.outbound.drain()
    assert reminders_to(bot_api, DATABASE) == []
    assert len(reminders_to(bot_api, TAX)) == 1


async def test_a_telegram_user_who_blocked_the_bot_loses_the_subscriptions(
        desk: Instance, bot_api: FakeBotAPI, engine: AsyncEngine, clock: FakeClock) -> None:
    await subscribe_everyone(desk)
    await desk.telegram(DATABASE).presses("rem:y:tax:all")
    bot_api.blocked.add(DATABASE)
    clock.set(almaty(3, 1, 10))
    await desk.tick()
    ended = [(stream, why) for _user, stream, _own, why in await subscriptions(engine) if why is not None]
    assert ended == [("database", "blocked"), ("tax", "blocked")]

    calls = len(bot_api.calls)
    clock.set(almaty(3, 24, 10))
    await desk.tick()
    assert all(c["params"].get("chat_id") != DATABASE for c in bot_api.calls[calls:])  # never tried again


async def test_an_undeliverable_whatsapp_number_loses_its_subscriptions(desk: Instance, graph: FakeGraph,
                                                                       engine: AsyncEngine, clock: FakeClock) -> None:
    await desk.whatsapp().press("button_reply", "rem:y:database:all")
    clock.set(almaty(3, 1, 10))
    graph.fail(400, 131026, "Message undeliverable")
    await desk.tick()
    assert await subscriptions(engine) == [(1, "database", False, "undeliverable")]
    assert [status for *_rest, status in await sent_rows(engine)] == ["failed"]
    assert USER  # the fake's one WhatsApp user
