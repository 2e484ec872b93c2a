"""Escalation and the relay, as conversation scripts through the channel-neutral desk.

The outbox has no deliverers here: the tests read what the desk queued for
the consultants and for the user.
"""

from __future__ import annotations

import datetime as dt

import pytest

from handlers import Channel, ConsultantMessage, Desk, InboundKind, Team, Translator
from handlers.memory import MemoryDeskStore, MemoryRelayOutbox, MemoryTicketStore
from handlers.ports import Direction, RelayKind
from handlers.reminders import remind
from knowledge import Matcher
from tests.clock import ALMATY, FakeClock
from tests.handlers.test_desk import Conversation

kk, ru = Translator()("kk"), Translator()("ru")


def queued(outbox: MemoryRelayOutbox) -> list[tuple[str, str, str]]:
    """(direction, kind, text) of every message of every ticket, in order."""
    return [(relay.direction, relay.kind, relay.text) for relay in outbox.queued()]


def consultant(desk: Desk, ticket_id: int = 1, name: str = "Асель Нұрланқызы"):  # type: ignore[no-untyped-def]
    async def write(text: str, kind: InboundKind = InboundKind.TEXT) -> str:
        if text.startswith("/"):
            command, _sep, args = text[1:].partition(" ")
            message = ConsultantMessage(ticket_id, name, InboundKind.COMMAND, command, args)
        else:
            message = ConsultantMessage(ticket_id, name, kind, text)
        return "\n".join(r.text for r in await desk.from_consultant(message))
    return write


async def test_a_fallback_then_ask_a_consultant_opens_a_ticket_with_the_history(
        desk: Desk, outbox: MemoryRelayOutbox, ticket_store: MemoryTicketStore) -> None:
    user = Conversation(desk, Channel.WHATSAPP)
    await user.say("qwerty zxcv")
    await user.press("Кеңесшіге жазу")

    assert user.text.startswith("Сіздің №1 өтінішіңіз азаматтық орталықтың кеңесшілеріне жіберілді. "
                                "Кеңесші осы чатта жауап береді. Кезектегі орныңыз: 1.")
    assert [b.label for b in user.replies[0].all_buttons()] == ["Чатты аяқтау"]
    [ticket] = ticket_store.tickets.values()
    assert (ticket.channel, ticket.chat_id, ticket.name, ticket.lang, ticket.status) == (
        "whatsapp", "42", "Айгерім", "kk", "open")
    assert ("qwerty zxcv", "fallback") in [(q.text, q.decision) for q in ticket.history]
    assert queued(outbox) == [("to_consultants", "card", "")]


async def test_the_queue_position_counts_the_tickets_nobody_took(desk: Desk) -> None:
    await Conversation(desk, Channel.TELEGRAM).say("Соедините с консультантом")
    second = Conversation(desk, Channel.WHATSAPP)
    await second.say("Соедините с консультантом")
    assert "Ваше место в очереди: 2." in second.text

    await consultant(desk, 1)("/take")
    third = Conversation(desk, Channel.TERMINAL)
    await third.say("Соедините с консультантом")
    assert "Ваше место в очереди: 2." in third.text


async def test_escalating_again_while_open_says_so_and_queues_nothing(
        desk: Desk, outbox: MemoryRelayOutbox, ticket_store: MemoryTicketStore) -> None:
    user = Conversation(desk)
    await user.say("Соедините с консультантом")
    await user.send(InboundKind.CHOICE, "human")
    assert user.text.startswith("Ваше обращение №1 уже у консультантов")
    await user.command("menu")
    assert user.text.startswith("Ваше обращение №1 уже у консультантов")
    assert len(ticket_store.tickets) == 1
    assert len(queued(outbox)) == 1


async def test_while_open_messages_go_to_the_consultant_not_the_matcher(
        desk: Desk, outbox: MemoryRelayOutbox, memory_store: MemoryDeskStore) -> None:
    user = Conversation(desk, Channel.TELEGRAM)
    await user.say("Соедините с консультантом")
    assert await user.say("Как подать заявку на грант?") == []
    assert await user.send(InboundKind.MEDIA, "Устав") == []
    assert await user.say("тіл") == []  # not the language menu either

    assert (queued(outbox))[1:] == [
        ("to_consultants", "text", "Как подать заявку на грант?"),
        ("to_consultants", "media", "📎 Пользователь отправил файл с подписью: Устав"),
        ("to_consultants", "text", "тіл"),
    ]
    assert len(memory_store.questions) == 1  # only the question before the escalation was matched


@pytest.mark.parametrize(("kind", "text"), [
    (InboundKind.TEXT, "стоп"), (InboundKind.TEXT, "Тоқта!"), (InboundKind.TEXT, "end"),
    (InboundKind.COMMAND, "end"), (InboundKind.CHOICE, "end")])
async def test_the_user_ends_the_chat_and_the_bot_takes_over(
        desk: Desk, outbox: MemoryRelayOutbox, ticket_store: MemoryTicketStore, kind: InboundKind, text: str) -> None:
    user = Conversation(desk)
    await user.say("Кеңесшіге қосыңыз")
    await user.send(kind, text)

    assert user.text.startswith("Кеңесшімен чат аяқталды. Енді сұрақтарыңызға қайтадан өзім жауап беремін.")
    assert [b.data for b in user.replies[0].all_buttons()] == [f"rate:1:{n}" for n in range(1, 6)]
    assert ticket_store.tickets[1].status == "closed"
    assert (queued(outbox))[1] == ("to_consultants", "notice", "Пользователь завершил чат. Обращение закрыто.")
    await user.say("Гранттарды кім береді?")
    assert "Дереккөз:" in user.text  # the matcher answers again


async def test_the_rating_is_stored_once_per_own_ticket(
        desk: Desk, outbox: MemoryRelayOutbox, ticket_store: MemoryTicketStore) -> None:
    user, stranger = Conversation(desk), Conversation(desk, Channel.WHATSAPP)
    await user.say("Кеңесшіге қосыңыз")
    await user.press("Чатты аяқтау")
    await stranger.send(InboundKind.CHOICE, "rate:1:1")
    assert "батырма ескірген" in stranger.text
    await user.press("4 ★")
    assert user.text == "Бағаңызға рахмет!"
    assert ticket_store.tickets[1].rating == 4
    assert (queued(outbox))[-1] == ("to_consultants", "notice", "Пользователь оценил консультацию: 4 из 5.")


async def test_a_stale_end_chat_button_is_answered_politely(desk: Desk) -> None:
    user = Conversation(desk)
    await user.send(InboundKind.CHOICE, "end")
    assert user.text.startswith("Кеңесшімен бұл чат аяқталған.")


@pytest.mark.parametrize(("local", "when"), [
    (dt.datetime(2026, 1, 9, 19, 30), "12.01 с 09:00"),  # Friday evening: Monday
    (dt.datetime(2026, 1, 11, 12, 0), "завтра с 09:00"),  # Sunday
    (dt.datetime(2026, 1, 6, 7, 15), "сегодня с 09:00"),  # Tuesday, early
    (dt.datetime(2026, 1, 6, 23, 59), "08.01 с 09:00"),   # Tuesday night: 7 January is a holiday
])
async def test_off_hours_say_when_to_expect_an_answer(
        desk: Desk, clock: FakeClock, outbox: MemoryRelayOutbox, local: dt.datetime, when: str) -> None:
    clock.set(local.replace(tzinfo=ALMATY))
    user = Conversation(desk)
    await user.say("Соедините с консультантом")

    assert user.text.startswith(
        "Ваше обращение №1 передано консультантам гражданского центра и стоит в очереди. Консультанты "
        f"работают Пн–Пт 09:00–18:00 (UTC+5), поэтому консультант ответит {when}.")
    assert queued(outbox) == [("to_consultants", "card", "")]  # queued all the same


async def test_off_hours_in_kazakh(desk: Desk, clock: FakeClock) -> None:
    clock.set(dt.datetime(2026, 1, 10, 11, 0, tzinfo=ALMATY))  # Saturday
    user = Conversation(desk)
    await user.say("Кеңесшіге қосыңыз")
    assert ("Кеңесшілер Дс–Жм 09:00–18:00 (UTC+5) жұмыс істейді, сондықтан кеңесші "
            "12.01 күні, жұмыс басталысымен (09:00) жауап береді.") in user.text


async def test_without_consultants_escalation_is_honest(matcher: Matcher, memory_store: MemoryDeskStore,
                                                        translator: Translator) -> None:
    user = Conversation(Desk(matcher, memory_store, translator))
    await user.say("Соедините с консультантом")
    assert user.text == ("К этому боту пока не подключены консультанты. "
                         "Пожалуйста, обратитесь в гражданский центр напрямую.")


# -- the consultants' side --------------------------------------------------------

async def test_a_reply_goes_to_the_user_signed_and_the_first_to_answer_takes_the_ticket(
        desk: Desk, outbox: MemoryRelayOutbox, ticket_store: MemoryTicketStore) -> None:
    await Conversation(desk, Channel.WHATSAPP).say("Кеңесшіге қосыңыз")
    write = consultant(desk)

    assert await write("Сәлеметсіз бе! Қандай ҮЕҰ?") == "Обращение взял(а) Асель Нұрланқызы."
    assert await write("Жарғыңызды жіберіңіз.") == ""
    assert ticket_store.tickets[1].assignee == "Асель Нұрланқызы"
    assert (queued(outbox))[1:] == [
        ("to_consultants", "card_edit", ""),
        ("to_user", "text", "*Азаматтық орталық кеңесшісі:*\nСәлеметсіз бе! Қандай ҮЕҰ?"),
        ("to_user", "text", "*Азаматтық орталық кеңесшісі:*\nЖарғыңызды жіберіңіз."),
    ]


async def test_close_asks_the_user_for_a_rating_and_reopen_brings_the_chat_back(
        desk: Desk, outbox: MemoryRelayOutbox) -> None:
    user = Conversation(desk)
    await user.say("Соедините с консультантом")
    write = consultant(desk)

    assert await write("/close") == "Обращение закрыл(а) Асель Нұрланқызы. Пользователя попросили оценить консультацию."
    assert await write("/close") == "Обращение уже закрыто."
    assert await write("Ещё вопрос?") == ("Обращение закрыто: это сообщение пользователю не отправлено. "
                                          "Чтобы продолжить чат, отправьте /reopen.")
    assert await write("/take") == "Обращение закрыто. Сначала отправьте /reopen."
    closing = (queued(outbox))[-2]
    assert closing[:2] == ("to_user", "text") and closing[2].startswith("Консультант закрыл ваше обращение №1.")
    assert await write("/reopen") == "Обращение снова открыл(а) Асель Нұрланқызы."
    assert await write("/reopen") == "Обращение уже открыто."
    assert (queued(outbox))[-2][2].startswith("Консультант снова открыл ваше обращение №1")
    assert await user.say("Спасибо, вопрос такой") == []  # relayed again


async def test_reopen_is_refused_while_the_user_has_another_open_ticket(desk: Desk) -> None:
    user = Conversation(desk)
    await user.say("Соедините с консультантом")
    await consultant(desk)("/close")
    await user.say("Соедините с консультантом")

    assert await consultant(desk, 1)("/reopen") == (
        "У пользователя уже есть другое открытое обращение №2: это обращение снова открыть нельзя.")


async def test_notes_stay_internal_and_unknown_commands_explain(
        desk: Desk, outbox: MemoryRelayOutbox, ticket_store: MemoryTicketStore) -> None:
    await Conversation(desk).say("Соедините с консультантом")
    write = consultant(desk)

    assert await write("/note просил перезвонить после обеда") == "Заметка сохранена. Пользователю она не отправляется."
    assert await write("/note") == "Напишите заметку после команды: /note текст"
    assert (await write("/help")).startswith("Команды в теме обращения: /take")
    assert await write("", InboundKind.MEDIA) == ("Пользователю доходят только текстовые сообщения: "
                                                  "это сообщение не отправлено.")
    [note] = [relay for relay in outbox.queued() if relay.direction is Direction.NOTE]
    assert (note.text, note.kind, note.author) == ("просил перезвонить после обеда", RelayKind.NOTE,
                                                   "Асель Нұрланқызы")
    [kept] = await ticket_store.conversation(1, before=len(outbox.relays) + 1)  # in the ticket's transcript
    assert (kept.direction, kept.text) == (Direction.NOTE, note.text)
    assert [d for d, _kind, _text in queued(outbox)].count("to_user") == 0


async def test_a_message_for_an_unknown_ticket_does_nothing(desk: Desk) -> None:
    assert await consultant(desk, 99)("Сәлем") == ""


# -- reminders ----------------------------------------------------------------------

async def test_a_ticket_nobody_took_is_reminded_in_working_hours_only(
        desk: Desk, team: Team, clock: FakeClock, outbox: MemoryRelayOutbox) -> None:
    clock.set(dt.datetime(2026, 1, 5, 17, 20, tzinfo=ALMATY))
    await Conversation(desk).say("Соедините с консультантом")
    assert await remind(team) == 0  # not waiting long enough yet

    clock.advance(minutes=31)
    assert await remind(team) == 1
    assert (queued(outbox))[-1] == ("to_consultants", "reminder",
                                          "⏰ Обращение №1 (Telegram, Айгерім) ждёт консультанта уже 31 мин. "
                                          "Возьмите его командой /take в его теме.")
    assert await remind(team) == 0  # once per interval

    clock.set(dt.datetime(2026, 1, 5, 20, 0, tzinfo=ALMATY))
    assert await remind(team) == 0  # nobody is there to read it
    clock.set(dt.datetime(2026, 1, 6, 9, 1, tzinfo=ALMATY))
    assert await remind(team) == 1  # the morning catches up

    await consultant(desk)("/take")
    clock.advance(hours=2)
    assert await remind(team) == 0
