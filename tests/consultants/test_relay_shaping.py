"""Relayed traffic shaped for the consultants' group (about 20 posts a minute): few posts, nothing lost.

A user's messages that wait for the group arrive in one post, in order, each part
timed; a text too long for one message arrives once, its whole text attached; a
user who writes fast is told once that the consultant sees everything; a rating
counts once; a reminder waiting in the queue is replaced by the newer one.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app.config import Settings
from handlers.reminders import remind
from knowledge import Matcher
from tests.channels.telegram.fake_api import FakeBotAPI
from tests.channels.whatsapp.fake_graph import FakeGraph
from tests.clock import FakeClock
from tests.service import GROUP, DeskService, arrives, running, whatsapp_arrives

THREAD = 101


def documents(api: FakeBotAPI) -> list[dict[str, Any]]:
    return [call["params"] for call in api.calls if call["method"] == "sendDocument"]


async def test_messages_waiting_for_the_group_reach_the_consultant_in_one_post_files_in_their_place(
        service: DeskService) -> None:
    user, api = service.telegram, service.api
    await user.says("Кеңесшіге қосыңыз")
    await arrives(user, "Сәлеметсіз бе")
    service.clock.advance(minutes=1)
    await arrives(user, "Жарғыны өзгерткім келеді")
    assert await user.post(user.message_update(document={"file_id": "d1", "file_unique_id": "u1"})) == 200
    await arrives(user, "Құжат жоғарыда")

    await service.settle()

    posts = api.in_topic(THREAD)[1:]  # after the card
    assert [post["method"] for post in posts] == ["sendMessage", "copyMessage", "sendMessage"]
    assert posts[0]["params"]["text"] == "🕑 10:00\nСәлеметсіз бе\n\n🕑 10:01\nЖарғыны өзгерткім келеді"
    assert posts[2]["params"]["text"] == "Құжат жоғарыда"
    assert {status for _d, _k, status, _t in await service.relayed()} == {"sent"}


async def test_a_long_message_reaches_the_consultant_as_one_post_with_the_whole_text_attached(
        service: DeskService) -> None:
    await service.whatsapp.say("Кеңесшіге қосыңыз")
    long = " ".join(f"{n}-сөйлем: жарғыға өзгеріс енгізу туралы." for n in range(1, 1500))  # WhatsApp allows it
    assert len(long) > 60_000

    await service.whatsapp.say(long)

    assert service.api.texts_in_topic(THREAD)[1:] == []  # no flood of parts
    [post] = documents(service.api)
    assert post["chat_id"] == GROUP and post["message_thread_id"] == THREAD
    attached = post[post["document"].removeprefix("attach://")]
    assert attached["filename"] == "ticket-1-message-2.txt" and attached["content"].decode() == long
    start, note = post["caption"].split("\n\n")
    assert start.endswith("…") and long.startswith(start[:-1])
    assert note == f"📄 Полный текст сообщения ({len(long)} знаков) — в прикреплённом файле."
    assert len(post["caption"]) <= 1024


async def test_a_user_writing_faster_than_the_pace_is_told_once_and_the_consultant_gets_everything(
        desk_settings: Settings, engine: AsyncEngine, matcher: Matcher, bot_api: FakeBotAPI,
        graph: FakeGraph, clock: FakeClock) -> None:
    paced = desk_settings.model_copy(update={"ticket_messages_per_minute": 5})
    async with running(paced, engine, matcher, bot_api, graph, clock) as service:
        await service.whatsapp.say("Кеңесшіге қосыңыз")
        before = len(graph.sends())
        texts = [f"Қосымша мәлімет {n}" for n in range(1, 13)]
        for text in texts:
            await whatsapp_arrives(service, text)
        await service.settle()

        assert [send["text"]["body"] for send in graph.sends()[before:]] == [
            "Сіз өте жиі жазып жатырсыз. Алаңдамаңыз: әр хабарламаңыз кеңесшіге жетеді, ол бәрін көреді. "
            "Жауабын күте тұрыңыз."]  # the sixth message, once
        assert bot_api.texts_in_topic(THREAD)[1:] == ["\n\n".join(f"🕑 10:00\n{text}" for text in texts)]


async def test_a_rating_pressed_again_and_again_tells_the_consultant_once(service: DeskService) -> None:
    user, api = service.telegram, service.api
    await user.says("Кеңесшіге қосыңыз")
    await service.consultant(THREAD).says("/close")

    def answer(calls: list[dict[str, Any]]) -> str:
        [reply] = [c["params"]["text"] for c in calls
                   if c["method"] == "sendMessage" and c["params"]["chat_id"] == user.id]
        return str(reply)

    first = answer(await user.presses("rate:1:4"))
    again = [answer(await user.presses(f"rate:1:{5 if n % 2 else 4}", query_id=f"q{n}")) for n in range(29)]

    assert first == "Бағаңызға рахмет!"
    assert set(again) == {"Сіз бұл чатты бағалап қойғансыз: 5-тен 4. Рахмет!"}
    assert [t for t in api.texts_in_topic(THREAD) if "оценил" in t] == ["Пользователь оценил консультацию: 4 из 5."]
    assert (await service.ticket()).rating == 4


async def test_a_reminder_still_waiting_is_replaced_by_the_newer_one(service: DeskService) -> None:
    await service.whatsapp.say("Кеңесшіге қосыңыз")
    team = service.shell.desk.team
    service.clock.advance(minutes=30)
    assert await remind(team) == 1
    service.clock.advance(minutes=30)  # the group had no room for it yet: still waiting
    assert await remind(team) == 1

    await service.settle()

    reminders = [c["params"]["text"] for c in service.api.calls
                 if c["method"] == "sendMessage" and "message_thread_id" not in c["params"]]
    assert reminders == ["⏰ Обращение №1 (WhatsApp, Айгерім) ждёт консультанта уже 1 ч 0 мин. "
                         "Возьмите его командой /take в его теме.\nhttps://t.me/c/1234567890/101"]
