"""/present and /away: new tickets are offered in turn to the present consultants, at most N open
each, with a mention in the ticket's topic; with nobody free the ticket waits for the reminder."""

from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app.config import Settings
from handlers.reminders import remind
from knowledge import Matcher
from tests.channels.telegram.fake_api import FakeBotAPI
from tests.channels.whatsapp.fake_graph import FakeGraph
from tests.clock import FakeClock
from tests.consultants.centres import KARAGANDA_GROUP, PAVLODAR_GROUP, consultant, sent, user
from tests.service import DeskService, running

OFFER = ": обращение №{n} предлагается вам по очереди: ответьте здесь или отправьте /take. Если вы не можете, " \
        "его возьмёт другой консультант командой /take."
ASEL = "@asel_n"  # has a username: mentioned by it
BEKZAT = '<a href="tg://user?id=7002">Бекзат</a>'  # has none: a mention by id


@pytest.fixture
def centres_settings(centres_settings: Settings) -> Settings:
    return centres_settings.model_copy(update={"consultant_max_open": 3})


def offers(desk: DeskService) -> list[tuple[int, str]]:
    """(topic, text) of every offer posted: the mention, then the sentence."""
    return [(c["params"]["message_thread_id"], c["params"]["text"]) for c in desk.api.calls
            if c["method"] == "sendMessage" and "предлагается вам по очереди" in c["params"]["text"]]


async def test_present_consultants_get_new_tickets_in_turn_and_one_away_gets_none(desk: DeskService) -> None:
    general = {name: consultant(desk, KARAGANDA_GROUP, id=n, first_name=name, username=handle, counter=n - 7000)
               for n, name, handle in ((7001, "Асель", "asel_n"), (7002, "Бекзат", ""), (7003, "Сауле", "saule"))}
    said = sent(await general["Асель"].says("/present"), KARAGANDA_GROUP)
    assert said == ["Асель, вы на месте: новые обращения этой группы предлагаются вам по очереди, не больше 2 "
                    "открытых одновременно. Уходя, отправьте /away.\nСейчас на месте: @asel_n."]
    await general["Бекзат"].says("/present")
    await general["Сауле"].says("/present")
    said = sent(await general["Сауле"].says("/away"), KARAGANDA_GROUP)
    assert said == ["Сауле, вы отошли: новые обращения вам не предлагаются. Когда вернётесь, отправьте /present."
                    "\nСейчас на месте: @asel_n, Бекзат."]

    for n in range(1, 5):
        await user(desk, n).says("Соедините с консультантом, я из Караганды")

    assert offers(desk) == [(101, ASEL + OFFER.format(n=1)), (102, BEKZAT + OFFER.format(n=2)),
                            (103, ASEL + OFFER.format(n=3)), (104, BEKZAT + OFFER.format(n=4))]
    # The offer comes right after the card, in the ticket's own topic.
    assert desk.api.texts_in_topic(101)[1] == ASEL + OFFER.format(n=1)


async def test_at_the_cap_a_ticket_waits_for_the_reminder_and_a_freed_place_takes_the_next(desk: DeskService) -> None:
    asel = consultant(desk, KARAGANDA_GROUP, username="asel_n")
    await asel.says("/present")
    for n in range(1, 4):  # Karaganda's max_open is 2 (the desk's default here is 3)
        await user(desk, n).says("Соедините с консультантом, я из Караганды")

    assert offers(desk) == [(101, ASEL + OFFER.format(n=1)), (102, ASEL + OFFER.format(n=2))]
    desk.clock.advance(minutes=31)
    assert await remind(desk.shell.desk.team) == 3  # the waiting ticket is reminded as today (so are the offered)
    await desk.settle()
    assert any("Обращение №3" in text for text in sent(desk.api.calls, KARAGANDA_GROUP))

    # Ticket 1 is closed: a place is free, and the next new ticket is Asel's again.
    await consultant(desk, KARAGANDA_GROUP, 101, username="asel_n", counter=1).says("/close")
    await user(desk, 4).says("Соедините с консультантом, я из Караганды")
    assert offers(desk)[-1] == (104, ASEL + OFFER.format(n=4))


async def test_with_nobody_present_a_ticket_waits_and_turns_are_per_centre(desk: DeskService) -> None:
    await consultant(desk, PAVLODAR_GROUP, username="erlan").says("/present")  # present in Pavlodar only
    said = sent(await consultant(desk, KARAGANDA_GROUP, counter=1).says("/away"), KARAGANDA_GROUP)
    assert said[0].endswith("Сейчас на месте никого нет: новые обращения ждут, напоминания о них приходят "
                            "в общую тему.")

    await user(desk, 1).says("Соедините с консультантом, я из Караганды")
    await user(desk, 2).says("Соедините с консультантом, я из Павлодара")

    assert offers(desk) == [(102, "@erlan" + OFFER.format(n=2))]

    # Someone comes to Karaganda's group: the ticket left waiting there is offered to them at once.
    await consultant(desk, KARAGANDA_GROUP, id=7002, first_name="Бекзат", counter=2).says("/present")
    assert offers(desk)[-1] == (101, BEKZAT + OFFER.format(n=1))


async def test_a_consultant_who_takes_a_ticket_offered_to_another_counts_it_as_theirs(desk: DeskService) -> None:
    await consultant(desk, KARAGANDA_GROUP, username="asel_n").says("/present")
    await consultant(desk, KARAGANDA_GROUP, id=7002, first_name="Бекзат", counter=1).says("/present")
    await user(desk, 1).says("Соедините с консультантом, я из Караганды")  # offered to Asel
    await consultant(desk, KARAGANDA_GROUP, 101, id=7002, first_name="Бекзат", counter=2).says("/take")
    await user(desk, 2).says("Соедините с консультантом, я из Караганды")  # Bekzat's turn, but he holds 1
    await user(desk, 3).says("Соедините с консультантом, я из Караганды")

    assert [topic for topic, _text in offers(desk)] == [101, 102, 103]
    assert offers(desk)[1][1].startswith(BEKZAT) and offers(desk)[2][1].startswith(ASEL)
    said = sent(await consultant(desk, KARAGANDA_GROUP, counter=3).says("/whatever"), KARAGANDA_GROUP)
    assert said == ["Здесь, вне темы обращения: /present: предлагать мне новые обращения по очереди; /away: "
                    "перестать их предлагать. В теме обращения отправьте /help, чтобы увидеть её команды."]


async def test_presence_is_kept_across_a_restart_and_can_be_said_in_a_tickets_topic(
        centres_settings: Settings, engine: AsyncEngine, matcher: Matcher, bot_api: FakeBotAPI, graph: FakeGraph,
        clock: FakeClock) -> None:
    async with running(centres_settings, engine, matcher, bot_api, graph, clock) as first:
        await user(first, 1).says("Соедините с консультантом, я из Караганды")  # nobody present: it waits
        said = sent(await consultant(first, KARAGANDA_GROUP, 101, username="asel_n").says("/present"),
                    KARAGANDA_GROUP, 101)
        assert said[0].startswith("Асель, вы на месте")
        assert offers(first) == [(101, ASEL + OFFER.format(n=1))]  # the waiting ticket, at once

    async with running(centres_settings, engine, matcher, bot_api, graph, clock) as second:
        await user(second, 2).says("Соедините с консультантом, я из Караганды")
        assert offers(second)[1:] == [(102, ASEL + OFFER.format(n=2))]


async def test_away_hands_unanswered_offers_on_in_turn_and_keeps_the_answered_ticket(desk: DeskService) -> None:
    erlan = {"id": 7101, "first_name": "Ерлан", "username": "erlan"}  # Pavlodar: the desk's cap here, 3 each
    await consultant(desk, PAVLODAR_GROUP, **erlan).says("/present")
    for n in range(1, 4):
        await user(desk, n).says("Соедините с консультантом, я из Павлодара")
    await consultant(desk, PAVLODAR_GROUP, 101, **erlan, counter=1).says("Здравствуйте, смотрю ваш вопрос.")
    await consultant(desk, PAVLODAR_GROUP, id=7102, first_name="Дана", username="dana_k", counter=2).says("/present")
    for n in (4, 5):  # Erlan holds 3 (one answered, two offered): both go to Dana, who has room for one more
        await user(desk, n).says("Соедините с консультантом, я из Павлодара")
    assert [topic for topic, _text in offers(desk)] == [101, 102, 103, 104, 105]

    said = sent(await consultant(desk, PAVLODAR_GROUP, **erlan, counter=3).says("/away"), PAVLODAR_GROUP)

    assert said == ["Ерлан, вы отошли: новые обращения вам не предлагаются. Когда вернётесь, отправьте /present.\n"
                    "Предложенные вам обращения без ответа: передано коллегам на месте — 1, ждут свободного "
                    "консультанта — 1.\nСейчас на месте: @dana_k."]
    # Ticket 2 goes on to Dana with a mention in its topic; ticket 3 waits; ticket 1, answered, stays Erlan's.
    assert offers(desk)[5:] == [(102, "@dana_k" + OFFER.format(n=2))]
    tickets = desk.shell.desk.team.tickets
    assert [(t.id, t.consultant_id) for t in await tickets.list_open()] == [
        (1, "7101"), (2, "7102"), (3, ""), (4, "7102"), (5, "7102")]
    desk.clock.advance(minutes=31)
    assert await remind(desk.shell.desk.team) == 4  # the waiting ticket is reminded like any nobody took
    await desk.settle()
    assert any(text.startswith("⏰ Обращение №3 ") for text in sent(desk.api.calls, PAVLODAR_GROUP))

    # Someone else comes: the waiting ticket is theirs at once; a second /away has nothing to hand on.
    await consultant(desk, PAVLODAR_GROUP, id=7103, first_name="Сауле", username="saule", counter=4).says("/present")
    assert offers(desk)[6:] == [(103, "@saule" + OFFER.format(n=3))]
    said = sent(await consultant(desk, PAVLODAR_GROUP, **erlan, counter=5).says("/away"), PAVLODAR_GROUP)
    assert said[0].splitlines()[1] == "Сейчас на месте: @dana_k, @saule."
