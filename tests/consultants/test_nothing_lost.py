"""Nothing lost, nothing forged: the 24-hour window, restarts, deleted topics, strangers, reminders."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import SecretStr
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app.config import Settings
from bot.app.web import create_app
from bot.channels.telegram import TelegramSetupError
from handlers.reminders import remind
from knowledge import Matcher
from tests.channels.telegram.chat import Consultant, TelegramUser
from tests.channels.telegram.fake_api import FakeBotAPI
from tests.channels.whatsapp.fake_graph import FakeGraph
from tests.channels.whatsapp.meta import USER
from tests.clock import FakeClock
from tests.service import GROUP, TEMPLATE, DeskService, running

TO = f"+{USER}"
THREAD = 101
SIGNED = "*Азаматтық орталық кеңесшісі:*\n"


def texts_to_user(graph: FakeGraph) -> list[str]:
    return [s["text"]["body"] for s in graph.sends() if s["type"] == "text"]


def templates(graph: FakeGraph) -> list[dict[str, Any]]:
    return [s["template"] for s in graph.sends() if s["type"] == "template"]


async def test_a_reply_after_the_window_is_held_the_user_invited_and_it_is_delivered_when_they_write(
        service: DeskService) -> None:
    wa, graph, api = service.whatsapp, service.graph, service.api
    await wa.say("Кеңесшіге қосыңыз")
    consultant = service.consultant(THREAD)
    service.clock.advance(hours=25)  # nobody answered for a day

    await consultant.says("Кешіріңіз, кешігіп жауап беріп отырмын.")
    await consultant.says("Сұрағыңызды нақтылаңызшы.")

    assert templates(graph) == [{"name": TEMPLATE, "language": {"code": "kk"}}]  # invited once
    assert texts_to_user(graph) == []  # no free text outside the window
    assert api.texts_in_topic(THREAD)[-2:] == [
        "⏳ Окно ответа в WhatsApp у пользователя закрылось, поэтому ответ придержан. Пользователю "
        "отправлен утверждённый шаблон с приглашением написать; придержанные ответы будут "
        "доставлены, как только он напишет.",
        "⏳ Окно ответа всё ещё закрыто: этот ответ тоже придержан. Пользователю уже отправлено "
        "приглашение написать."]
    assert [s for d, _k, s, _t in await service.relayed() if d == "to_user"] == ["held", "held"]

    await wa.say("Иә, жазып тұрмын")  # the window opens again

    assert texts_to_user(graph) == [SIGNED + "Кешіріңіз, кешігіп жауап беріп отырмын.",
                                    SIGNED + "Сұрағыңызды нақтылаңызшы."]
    assert api.texts_in_topic(THREAD)[-3:] == ["Иә, жазып тұрмын",
                                               "✅ Пользователь написал снова: придержанный ответ доставлен.",
                                               "✅ Пользователь написал снова: придержанный ответ доставлен."]
    assert [s for d, _k, s, _t in await service.relayed() if d == "to_user"] == ["sent", "sent"]

    service.clock.advance(hours=1)  # inside the new window: straight through, no template
    await consultant.says("Рахмет!")
    assert texts_to_user(graph)[-1] == SIGNED + "Рахмет!" and len(templates(graph)) == 1


async def test_without_a_template_the_consultant_is_told_and_the_reply_kept(
        desk_settings: Settings, engine: AsyncEngine, matcher: Matcher, bot_api: FakeBotAPI,
        graph: FakeGraph, clock: FakeClock) -> None:
    settings = desk_settings.model_copy(update={"whatsapp_reply_template": ""})
    async with running(settings, engine, matcher, bot_api, graph, clock) as service:
        await service.whatsapp.say("Кеңесшіге қосыңыз")
        clock.advance(hours=24, seconds=1)
        await service.consultant(THREAD).says("Сәлеметсіз бе!")

        assert graph.sends()[-1]["type"] == "interactive"  # nothing more went to the user
        assert bot_api.texts_in_topic(THREAD)[-1].startswith(
            "⚠️ Окно ответа в WhatsApp у пользователя закрылось, а шаблон приглашения не настроен")
        assert ("to_user", "text", "held", SIGNED + "Сәлеметсіз бе!") in await service.relayed()


async def test_a_restart_between_the_reply_and_its_delivery_delivers_it_once(
        desk_settings: Settings, engine: AsyncEngine, matcher: Matcher, bot_api: FakeBotAPI,
        graph: FakeGraph, clock: FakeClock) -> None:
    async with running(desk_settings, engine, matcher, bot_api, graph, clock) as service:
        await service.whatsapp.say("Кеңесшіге қосыңыз")
        graph.fail_forever(500, 1, "An unknown error occurred")
        await service.consultant(THREAD).says("Жауабым дайын.")
        assert texts_to_user(graph) == [SIGNED + "Жауабым дайын."]  # refused; the outbox tries again later
    # The service stopped with the reply still owed; Meta is back; the service starts again.
    graph.failing_forever = None
    clock.advance(minutes=1)
    async with running(desk_settings, engine, matcher, bot_api, graph, clock, worker=True) as service:
        await graph.wait_for_sends(3)  # the worker resumes by itself at start-up
        await service.settle()
        assert texts_to_user(graph) == [SIGNED + "Жауабым дайын."] * 2  # delivered, once
        reply = [r for r in await service.relayed() if r[0] == "to_user"]
        assert reply == [("to_user", "text", "sent", SIGNED + "Жауабым дайын.")]


async def test_a_message_from_outside_the_group_or_from_a_bot_is_never_relayed(service: DeskService) -> None:
    await service.whatsapp.say("Кеңесшіге қосыңыз")
    before = len(service.graph.sends())

    stranger = Consultant(service.client, service.api, service.shell, group=-1009999999999, thread_id=THREAD,
                          first_name="Бөгде", update_ids=service.update_ids)
    assert await stranger.says("Сізге ақша аудару керек: 4400...") == []
    robot = service.consultant(THREAD, id=8001, first_name="Spam", is_bot=True)
    assert await robot.says("Click here") == []
    private = TelegramUser(service.client, service.api, service.shell, id=666,  # a user faking the thread
                           update_ids=service.update_ids)
    await private.sends(text="/close", message_thread_id=THREAD)

    assert len(service.graph.sends()) == before
    assert [d for d, _k, _s, _t in await service.relayed()] == ["to_consultants"]  # only the card
    assert (await service.ticket()).status == "open"


async def test_a_deleted_topic_is_created_again_on_the_next_message_with_the_conversation(
        service: DeskService) -> None:
    await service.whatsapp.say("Кеңесшіге қосыңыз")
    await service.whatsapp.say("Жарғыны қалай өзгертеміз?")
    await service.consultant(THREAD).says("Жалпы жиналыстың шешімі керек.")
    service.api.delete_topic(THREAD)

    await service.whatsapp.say("Сіз мұндасыз ба?")

    assert service.topics() == {THREAD: "№1 · kk · WhatsApp · Айгерім", 102: "№1 · kk · WhatsApp · Айгерім"}
    card, transcript, again = service.api.texts_in_topic(102)
    assert card.startswith("<b>Обращение №1</b>") and again == "Сіз мұндасыз ба?"
    assert transcript.splitlines()[0] == "Переписка до этого момента (тема создана заново):"
    assert "Айгерім: Жарғыны қалай өзгертеміз?" in transcript and "Жалпы жиналыстың шешімі керек." in transcript
    await service.consultant(102).says("Иә, осындамын.")  # the new topic is the ticket's now
    assert service.graph.sends()[-1]["text"]["body"] == SIGNED + "Иә, осындамын."
    assert await service.consultant(THREAD).says("ескі тақырып") == []


async def test_a_ticket_nobody_took_is_posted_again_in_the_general_topic(service: DeskService) -> None:
    await service.whatsapp.say("Кеңесшіге қосыңыз")
    service.clock.advance(minutes=30)

    assert await remind(service.shell.desk.team) == 1
    await service.settle()

    reminder = service.api.calls[-1]["params"]
    assert "message_thread_id" not in reminder and reminder["chat_id"] == GROUP
    assert reminder["text"] == ("⏰ Обращение №1 (WhatsApp, Айгерім) ждёт консультанта уже 30 мин. "
                                "Возьмите его командой /take в его теме.\nhttps://t.me/c/1234567890/101")


async def test_consultants_need_the_telegram_bot(desk_settings: Settings, engine: AsyncEngine,
                                                 matcher: Matcher) -> None:
    settings = desk_settings.model_copy(update={"telegram_token": SecretStr("")})
    with pytest.raises(TelegramSetupError, match="DESK_CONSULTANT_CHAT_ID needs DESK_TELEGRAM_TOKEN"):
        create_app(settings, engine, matcher)


async def test_a_user_writing_fast_during_a_consultant_chat_is_never_cut_off(
        desk_settings: Settings, engine: AsyncEngine, matcher: Matcher, bot_api: FakeBotAPI,
        graph: FakeGraph, clock: FakeClock) -> None:
    limited = desk_settings.model_copy(update={"rate_limit_per_minute": 2})
    async with running(limited, engine, matcher, bot_api, graph, clock) as service:
        await service.whatsapp.say("Кеңесшіге қосыңыз")
        burst = [f"Қосымша мәлімет {n}" for n in range(1, 6)]
        for text in burst:
            await service.whatsapp.say(text)
        await service.settle()
        assert bot_api.texts_in_topic(THREAD)[-5:] == burst  # all of it reaches the consultant


async def test_held_replies_and_the_closing_go_out_in_order_before_the_answer_to_what_the_user_writes(
        service: DeskService) -> None:
    wa, graph = service.whatsapp, service.graph
    await wa.say("Кеңесшіге қосыңыз")
    consultant = service.consultant(THREAD)
    service.clock.advance(hours=25)  # the window closed
    await consultant.says("Кешіріңіз, кешігіп жауап беріп отырмын.")
    await consultant.says("/close")  # the desk's closing, for the same user, held behind the reply
    before = len(graph.sends())

    await wa.say("Сәлеметсіз бе")  # the window opens: both go out, then the desk's answer

    sent = [s.get("text", {}).get("body") or s.get("interactive", {}).get("body", {}).get("text")
            for s in graph.sends()[before:]]
    assert len(sent) == 3 and sent[0] == SIGNED + "Кешіріңіз, кешігіп жауап беріп отырмын."
    assert sent[1].startswith("Кеңесші №1 өтінішіңізді жапты.") and sent[2].startswith("Сәлеметсіз бе!")
