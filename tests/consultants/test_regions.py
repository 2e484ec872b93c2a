"""One bot, many centres: each user's ticket reaches their own centre's consultants.

Two centres with their own groups (Karaganda, Pavlodar), a centre with contacts
but no group (Atyrau), and regions without any centre (Astana): their tickets
go to the national group, DESK_CONSULTANT_CHAT_ID.
"""

from __future__ import annotations

import itertools
from typing import Any

from tests.channels.telegram.chat import Consultant, TelegramUser
from tests.consultants.centres import KARAGANDA_GROUP, PAVLODAR_GROUP, topics_opened
from tests.service import GROUP, DeskService


def texts(calls: list[dict[str, Any]]) -> list[str]:
    return [c["params"]["text"] for c in calls if c["method"] == "sendMessage"]


def buttons(call: dict[str, Any]) -> list[str]:
    return [b["callback_data"] for row in call["params"]["reply_markup"]["inline_keyboard"] for b in row]


async def test_a_region_named_in_the_first_message_sends_the_ticket_to_that_centres_group(desk: DeskService) -> None:
    told = texts(await desk.telegram.says("Соедините с консультантом, я из Караганды"))

    assert told[0].startswith("Ваше обращение №1 передано консультантам гражданского центра")
    assert topics_opened(desk.api) == [(KARAGANDA_GROUP, "№1 · ru · Telegram · Айгүл Серікова")]
    assert (await desk.ticket(1)).centre == "karaganda"

    # The Karaganda consultant answers from their own group; the user gets it.
    consultant = Consultant(desk.client, desk.api, desk.shell, group=KARAGANDA_GROUP, thread_id=101)
    calls = await consultant.says("Здравствуйте! Слушаю вас.")
    assert any(
        c["params"]["chat_id"] == desk.telegram.id and "Слушаю вас" in c["params"]["text"]
        for c in calls
        if c["method"] == "sendMessage"
    )


async def test_a_whatsapp_user_is_asked_the_region_in_two_lists_and_reaches_pavlodar(desk: DeskService) -> None:
    wa = desk.whatsapp
    [asked] = await wa.say("Кеңесшіге қосыңыз")
    rows = asked["interactive"]["action"]["sections"][0]["rows"]
    assert asked["interactive"]["type"] == "list" and len(rows) == 7
    assert [r["id"] for r in rows][:3] == ["reg:astana:esc", "reg:almaty:esc", "reg:shymkent:esc"]

    [oblasts] = await wa.press("list_reply", "regs:north:esc")
    assert [r["id"] for r in oblasts["interactive"]["action"]["sections"][0]["rows"]] == [
        "reg:akmola:esc",
        "reg:kostanay:esc",
        "reg:pavlodar:esc",
        "reg:north_kazakhstan:esc",
        "regs:city:esc",
    ]

    [told] = await wa.press("list_reply", "reg:pavlodar:esc")
    # Monday 10:00 in Almaty: Pavlodar's consultants work from 14:00, so the user learns when.
    assert "Дс–Жм 14:00–18:00" in told["interactive"]["body"]["text"]
    assert topics_opened(desk.api) == [(PAVLODAR_GROUP, "№1 · kk · WhatsApp · Айгерім")]

    # Remembered: the next escalation asks nothing.
    consultant = Consultant(desk.client, desk.api, desk.shell, group=PAVLODAR_GROUP, thread_id=101)
    await consultant.says("/close")
    await wa.say("Кеңесшіге қосыңыз")
    assert topics_opened(desk.api)[-1][0] == PAVLODAR_GROUP


async def test_a_region_without_a_centre_goes_to_the_national_group(desk: DeskService) -> None:
    [asked] = [c for c in await desk.telegram.says("Кеңесшіге қосыңыз") if c["method"] == "sendMessage"]
    assert "reg:astana:esc" in buttons(asked)

    told = texts(await desk.telegram.presses("reg:astana:esc"))

    assert told[0].startswith("Сіздің №1 өтінішіңіз азаматтық орталықтың кеңесшілеріне жіберілді")
    assert topics_opened(desk.api)[0][0] == GROUP
    assert (await desk.ticket(1)).centre == "national"


async def test_a_centre_without_a_group_gives_its_contacts_and_the_national_group_takes_the_ticket(
        desk: DeskService) -> None:
    await desk.telegram.says("/region")
    await desk.telegram.presses("regs:west:-")
    assert texts(await desk.telegram.presses("reg:atyrau:-")) == [
        "Сіздің өңіріңіз: Атырау облысы. Өзгерту үшін /region командасын немесе «аймақ» сөзін жіберіңіз."
    ]

    told = texts(await desk.telegram.says("Кеңесшіге қосыңыз"))

    assert told[0].startswith("Сіздің №1 өтінішіңіз")
    assert told[1].startswith("Өңіріңіздегі азаматтық орталыққа тікелей де хабарласа аласыз:")
    assert "Атырау орталығы" in told[1] and "+7 7122 000002" in told[1]
    assert topics_opened(desk.api)[0][0] == GROUP


async def test_civic_centre_find_gives_the_users_centre_and_whether_it_is_open_now(desk: DeskService) -> None:
    [answer] = texts(await desk.telegram.says("Адрес и телефон гражданского центра в Караганде"))
    assert "<b>Карагандинский центр</b>\nАдрес: ул. Гоголя, 31\nТелефон: +7 7212 000001\n" in answer
    assert "Часы работы: Пн–Пт 09:00–18:00 (UTC+5). Сейчас открыто." in answer

    desk.clock.advance(hours=9)  # 19:00
    [answer] = texts(await desk.telegram.says("Адрес и телефон гражданского центра в Караганде"))
    assert "Сейчас закрыто, откроется" in answer


async def test_civic_centre_find_for_a_region_without_contacts_says_so_and_points_to_the_akimat(
        desk: DeskService) -> None:
    [answer] = texts(await desk.telegram.says("гражданский центр Астана где"))
    assert "Подтверждённых контактов гражданского центра для региона «Астана» у нас пока нет." in answer
    assert "акимата" in answer  # the general answer: the akimat's internal policy department


async def test_a_centres_broken_group_holds_only_its_tickets_and_its_users_get_the_centres_card(
        desk: DeskService) -> None:
    desk.api.kicked.add(KARAGANDA_GROUP)
    await desk.whatsapp.say("Кеңесшіге қосыңыз, мен Қарағандыда тұрамын")  # its card finds the group broken
    other = TelegramUser(desk.client, desk.api, desk.shell, id=4343, first_name="Дина", last_name="",
                         language_code="ru", update_ids=itertools.count(600_001))

    [told] = texts(await other.says("Соедините с консультантом, я из Караганды"))[:1]

    said = told.split("\n\n", 1)[0]
    assert said.startswith("Ваше обращение №2 сохранено, но из-за технической неполадки")
    assert said.endswith("Если вопрос срочный, обратитесь в гражданский центр напрямую:")
    assert "<b>Карагандинский центр</b>\nАдрес: ул. Гоголя, 31\nТелефон: +7 7212 000001" in told
    ready = await desk.client.get("/readyz")
    assert ready.status == 503
    [problem] = (await ready.json())["problems"]
    assert problem.startswith(f"consultants' group {KARAGANDA_GROUP} unusable since ")
    assert "desk_consultants_group_broken 1.0" in await (await desk.client.get("/metrics")).text()

    # Pavlodar's group works: its users' tickets go there as usual.
    told = texts(await desk.telegram.says("Свяжите меня с консультантом, я из Павлодара"))
    assert told[0].startswith("Ваше обращение №3 передано консультантам гражданского центра")
    assert topics_opened(desk.api)[-1] == (PAVLODAR_GROUP, "№3 · ru · Telegram · Айгүл Серікова")
