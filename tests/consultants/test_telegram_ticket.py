"""A Telegram user reaches a consultant; files are copied into the topic; flood limits are waited out."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from tests.channels.telegram.chat import TelegramUser, answered, message
from tests.channels.telegram.fake_api import DATE
from tests.clock import ALMATY
from tests.service import GROUP, DeskService

CHAT = 4242
THREAD = 101
RATING = [[(f"rate:1:{n}", f"{n} ★") for n in range(1, 6)]]


async def test_a_telegram_user_escalates_and_a_consultant_answers_in_the_topic(service: DeskService) -> None:
    user, api = service.telegram, service.api
    await user.says("qwerty zxcv")

    calls = await user.presses("human")

    assert calls[:2] == [answered("query-1"), message(CHAT, calls[1]["params"]["text"], [[("end", "Чатты аяқтау")]])]
    assert calls[1]["params"]["text"].startswith("Сіздің №1 өтінішіңіз азаматтық орталықтың кеңесшілеріне "
                                                 "жіберілді. Кеңесші осы чатта жауап береді. Кезектегі орныңыз: 1.")
    assert [c["method"] for c in calls[2:]] == ["createForumTopic", "sendMessage"]
    assert calls[2]["params"] == {"chat_id": GROUP, "name": "№1 · kk · Telegram · Айгүл Серікова"}
    card = calls[3]["params"]
    assert (card["chat_id"], card["message_thread_id"]) == (GROUP, THREAD)
    assert "Имя: Айгүл Серікова\nИмя пользователя: @aigul_s\nКонсультант: пока не назначен\n" in card["text"]
    assert "Окно ответа" not in card["text"]  # Telegram has no reply window

    consultant = service.consultant(THREAD)
    await consultant.says("/take")
    calls = await consultant.says("Сәлеметсіз бе! Қандай сұрағыңыз бар?")
    assert calls == [message(CHAT, "<b>Азаматтық орталық кеңесшісі:</b>\nСәлеметсіз бе! Қандай сұрағыңыз бар?")]

    # The user writes and sends a document: the consultant sees both in the topic.
    assert await user.says("Жарғыны қалай өзгертеміз?") == [{"method": "sendMessage", "params": {
        "chat_id": GROUP, "text": "Жарғыны қалай өзгертеміз?", "parse_mode": "HTML",
        "link_preview_options": {"is_disabled": True}, "message_thread_id": THREAD}}]
    document = {"document": {"file_id": "d1", "file_unique_id": "u4", "file_name": "жарғы.pdf"}}
    calls = await user.sends(**document)
    assert calls == [{"method": "copyMessage", "params": {
        "chat_id": GROUP, "from_chat_id": CHAT, "message_id": 3, "message_thread_id": THREAD}}]

    calls = await consultant.says("/close")
    # The group and the user's chat are lanes of their own: only the order within each is fixed.
    to_user = [c["params"] for c in calls if c["params"]["chat_id"] == CHAT]
    assert len(to_user) == 1
    closing = to_user[0]
    assert closing["chat_id"] == CHAT and closing["text"].startswith("Кеңесші №1 өтінішіңізді жапты.")
    assert closing["reply_markup"]["inline_keyboard"] == [
        [{"text": label, "callback_data": data} for data, label in RATING[0]]]

    await user.presses("rate:1:4", query_id="q-rate")
    assert (await service.ticket()).rating == 4
    assert api.texts_in_topic(THREAD)[-1] == "Пользователь оценил консультацию: 4 из 5."


async def test_the_user_ends_the_chat_with_the_button(service: DeskService) -> None:
    user = service.telegram
    await user.says("Кеңесшіге қосыңыз")
    calls = await user.presses("end")

    assert calls[1] == message(CHAT, calls[1]["params"]["text"], RATING)
    assert calls[1]["params"]["text"].startswith("Кеңесшімен чат аяқталды.")
    assert service.api.texts_in_topic(THREAD)[-1] == "Пользователь завершил чат. Обращение закрыто."
    assert (await service.ticket()).closed_by == "user"


async def test_a_flood_limit_in_the_group_is_waited_out_and_the_message_posted_once(service: DeskService) -> None:
    user, api = service.telegram, service.api
    await user.says("Кеңесшіге қосыңыз")
    api.fail("sendMessage", 429, "Too Many Requests: retry after 7", retry_after=7)

    await user.says("Бірінші хабарлама")
    await user.says("Екінші хабарлама")  # waits behind the first: order is kept
    assert api.texts_in_topic(THREAD)[1:] == ["Бірінші хабарлама"]  # the refused attempt

    service.clock.advance(seconds=7)
    await service.settle()
    assert api.texts_in_topic(THREAD)[1:] == ["Бірінші хабарлама", "Бірінші хабарлама", "Екінші хабарлама"]
    relayed = await service.relayed()
    assert [(k, s) for _d, k, s, _t in relayed] == [("card", "sent"), ("text", "sent"), ("text", "sent")]


def unblocked(user: TelegramUser) -> dict[str, Any]:
    """The update Telegram sends when a user unblocks the bot (restarts the chat)."""
    bot = {"id": 123456789, "is_bot": True, "first_name": "Desk"}
    return {"update_id": next(user.update_ids), "my_chat_member": {
        "chat": user.chat, "from": user.sender, "date": DATE,
        "old_chat_member": {"user": bot, "status": "kicked", "until_date": 0},
        "new_chat_member": {"user": bot, "status": "member"}}}


BLOCKED_NOTICE = ("⏸ Пользователь заблокировал бота, поэтому ответ придержан. Придержанные ответы будут "
                  "доставлены, как только он разблокирует бота и напишет снова.")


@pytest.mark.parametrize("comes_back", ["unblocks", "restarts"])
async def test_replies_to_a_user_who_blocked_the_bot_wait_until_they_come_back(
        service: DeskService, comes_back: str) -> None:
    user, api = service.telegram, service.api
    await user.says("Кеңесшіге қосыңыз")
    consultant = service.consultant(THREAD)
    await consultant.says("/take")
    api.blocked.add(CHAT)

    await consultant.says("Сәлеметсіз бе!")
    await consultant.says("Сұрағыңызды толығырақ жазыңызшы.")

    assert api.texts_in_topic(THREAD).count(BLOCKED_NOTICE) == 1  # told once
    assert [s for d, _k, s, _t in await service.relayed() if d == "to_user"] == ["held", "held"]

    api.blocked.discard(CHAT)
    mark = len(api.calls)
    if comes_back == "unblocks":  # Telegram says so, then the user writes
        await user.deliver(unblocked(user))
        await user.says("Сәлем, мен қайта оралдым")
    else:  # the "Restart" button: /start
        await user.says("/start")

    to_user = [c["params"]["text"] for c in api.calls[mark:] if c["params"].get("chat_id") == CHAT
               and c["method"] == "sendMessage"]
    assert [t for t in to_user if t.startswith("<b>Азаматтық")] == [
        "<b>Азаматтық орталық кеңесшісі:</b>\nСәлеметсіз бе!",
        "<b>Азаматтық орталық кеңесшісі:</b>\nСұрағыңызды толығырақ жазыңызшы."]
    assert api.texts_in_topic(THREAD).count("✅ Пользователь написал снова: придержанный ответ доставлен.") == 2
    assert [s for d, _k, s, _t in await service.relayed() if d == "to_user"] == ["sent", "sent"]


async def test_on_a_public_holiday_the_user_is_told_why_nobody_answers_today(service: DeskService) -> None:
    service.clock.set(dt.datetime(2026, 3, 23, 11, 0, tzinfo=ALMATY))  # a Monday, and Nauryz

    calls = await service.telegram.says("Кеңесшіге қосыңыз")

    assert calls[0]["params"]["text"].startswith(
        "Бүгін мереке күні: азаматтық орталық жұмыс істемейді. Сіздің №1 өтінішіңіз азаматтық "
        "орталықтың кеңесшілеріне жіберіліп, кезекке қойылды. Кеңесшілер Дс–Жм 09:00–18:00 (UTC+5) "
        "жұмыс істейді, сондықтан кеңесші ертең, жұмыс басталысымен (09:00) жауап береді.")


async def test_an_ordinary_evening_says_nothing_of_a_holiday(service: DeskService) -> None:
    service.clock.set(dt.datetime(2026, 3, 20, 19, 0, tzinfo=ALMATY))  # a Friday evening before Nauryz

    calls = await service.telegram.says("Кеңесшіге қосыңыз")

    assert calls[0]["params"]["text"].startswith("Сіздің №1 өтінішіңіз азаматтық орталықтың кеңесшілеріне")
