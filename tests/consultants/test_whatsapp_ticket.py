"""A WhatsApp user reaches a consultant who works in Telegram: the single window, end to end."""

from __future__ import annotations

import datetime as dt
from typing import Any

from tests.channels.whatsapp.meta import USER, message
from tests.clock import ALMATY
from tests.service import GROUP, DeskService

TO = f"+{USER}"
THREAD = 101  # the fake Bot API numbers forum topics from 101


def text(body: str) -> dict[str, Any]:
    return {"messaging_product": "whatsapp", "recipient_type": "individual", "to": TO,
            "type": "text", "text": {"body": body}}


async def test_a_whatsapp_user_escalates_and_a_consultant_answers_in_the_topic(service: DeskService) -> None:
    wa, api = service.whatsapp, service.api
    [fallback] = await wa.say("qwerty zxcv")
    assert [b["reply"]["id"] for b in fallback["interactive"]["action"]["buttons"]] == ["human", "menu"]

    [told] = await wa.press("button_reply", "human", "Кеңесшіге жазу")

    assert told["interactive"]["body"]["text"].startswith(
        "Сіздің №1 өтінішіңіз азаматтық орталықтың кеңесшілеріне жіберілді. Кеңесші осы чатта жауап береді. "
        "Кезектегі орныңыз: 1.")
    assert told["interactive"]["action"]["buttons"] == [
        {"type": "reply", "reply": {"id": "end", "title": "Чатты аяқтау"}}]
    # A topic for the ticket, opened with its card.
    assert service.topics() == {THREAD: "№1 · kk · WhatsApp · Айгерім"}
    [card] = api.texts_in_topic(THREAD)
    assert card.startswith("<b>Обращение №1</b>\nКанал: WhatsApp\nЯзык: kk\nИмя: Айгерім\n"
                           "Телефон: +77011234567\nКонсультант: пока не назначен\n"
                           "Окно ответа: осталось 24 ч 0 мин.\n\nПоследние вопросы:\n"
                           "1. «qwerty zxcv» → ответа не нашлось\n\nКоманды: /take")
    assert [c["params"]["chat_id"] for c in api.in_topic(THREAD)] == [GROUP]

    # The consultant answers in the topic; the user gets it on WhatsApp, from the civic centre.
    consultant = service.consultant(THREAD)
    calls = await consultant.says("Сәлеметсіз бе! Ұйымыңыздың атауын жазыңызшы.")
    assert wa.graph.sends()[-1] == text("*Азаматтық орталық кеңесшісі:*\nСәлеметсіз бе! Ұйымыңыздың атауын жазыңызшы.")
    assert [c["method"] for c in calls] == ["sendMessage", "editMessageText"]
    assert calls[0]["params"]["text"] == "Обращение взял(а) Асель Нұрланқызы."
    assert "Консультант: Асель Нұрланқызы" in calls[1]["params"]["text"]

    # The user answers: the consultant sees it in the topic, the bot stays silent.
    assert await wa.say("«Жарқын болашақ» қоғамдық бірлестігі") == []
    image = message(USER, wa.wamid(), "image", {"caption": "Жарғы", "mime_type": "image/jpeg", "id": "7"},
                    wa.now())
    assert await wa.deliver(image) == []
    assert api.texts_in_topic(THREAD)[-2:] == ["«Жарқын болашақ» қоғамдық бірлестігі",
                                               "📎 Пользователь отправил фото с подписью: Жарғы"]

    # /close: the user is thanked and asked to rate; the rating is stored.
    calls = await consultant.says("/close")
    assert calls[0]["params"]["text"] == ("Обращение закрыл(а) Асель Нұрланқызы. "
                                          "Пользователя попросили оценить консультацию.")
    closing = wa.graph.sends()[-1]
    assert closing["interactive"]["type"] == "list"
    assert closing["interactive"]["body"]["text"].startswith("Кеңесші №1 өтінішіңізді жапты.")
    rows = closing["interactive"]["action"]["sections"][0]["rows"]
    assert [r["id"] for r in rows] == ["rate:1:1", "rate:1:2", "rate:1:3", "rate:1:4", "rate:1:5"]

    assert await wa.press("list_reply", "rate:1:5", "5 ★") == [text("Бағаңызға рахмет!")]
    assert api.texts_in_topic(THREAD)[-1] == "Пользователь оценил консультацию: 5 из 5."
    ticket = await service.ticket()
    assert (ticket.status, ticket.rating, ticket.assignee, ticket.closed_by) == (
        "closed", 5, "Асель Нұрланқызы", "consultant")
    # Every relayed message is stored with its direction and delivery status.
    relayed = await service.relayed()
    assert {status for _d, _k, status, _t in relayed} == {"sent"}
    assert [(d, k) for d, k, _s, _t in relayed] == [
        ("to_consultants", "card"), ("to_consultants", "card_edit"), ("to_user", "text"),
        ("to_consultants", "text"), ("to_consultants", "media"), ("to_user", "text"),
        ("to_consultants", "card_edit"), ("to_consultants", "notice")]

    # The bot answers again.
    [answer] = await wa.say("Гранттарды кім береді?")
    assert "Дереккөз:" in answer["interactive"]["body"]["text"]


async def test_off_hours_the_user_learns_when_and_the_ticket_is_queued(service: DeskService) -> None:
    service.clock.set(dt.datetime(2026, 1, 10, 11, 0, tzinfo=ALMATY))  # Saturday
    [told] = await service.whatsapp.say("Кеңесшіге қосыңыз")

    assert ("Кеңесшілер Дс–Жм 09:00–18:00 (UTC+5) жұмыс істейді, сондықтан кеңесші 12.01 күні, "
            "жұмыс басталысымен (09:00) жауап береді.") in told["interactive"]["body"]["text"]
    assert service.topics() == {THREAD: "№1 · kk · WhatsApp · Айгерім"}
