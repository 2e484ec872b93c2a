"""The TicketStore port's specification, held by the in-memory and the SQL store alike."""

from __future__ import annotations

import datetime as dt

from handlers import Channel
from handlers.ports import Direction, LoggedQuestion, NewTicket, Relay, RelayKind, Said, Ticket, TicketStatus
from tests.clock import FakeClock
from tests.stores import Stores

AT = dt.datetime(2026, 1, 5, 5, 0, tzinfo=dt.UTC)
HISTORY = (LoggedQuestion("Кто даёт гранты?", "ru", "fallback", None, 0.25),)


async def opened(stores: Stores, chat_id: str = "42", at: dt.datetime = AT) -> Ticket:
    user = await stores.desk.touch_user(Channel.WHATSAPP, chat_id, "Айгерім")
    ticket, new = await stores.tickets.open(
        NewTicket(user.id, Channel.WHATSAPP, chat_id, "Айгерім", "", "ru", HISTORY, at, centre="karaganda"))
    assert new
    return ticket


async def test_a_new_ticket_is_open_unassigned_and_keeps_what_the_bot_tried(stores: Stores) -> None:
    ticket = await opened(stores)
    assert (ticket.channel, ticket.chat_id, ticket.name, ticket.lang, ticket.centre) == (
        Channel.WHATSAPP, "42", "Айгерім", "ru", "karaganda")
    assert (ticket.status, ticket.assignee, ticket.rating, ticket.history) == (TicketStatus.OPEN, "", None, HISTORY)
    assert ticket.created_at == ticket.last_user_message_at == AT
    assert await stores.tickets.get(ticket.id) == ticket == await stores.tickets.open_of_user(ticket.user_id)
    assert await stores.tickets.get(ticket.id + 1) is None


async def test_a_user_has_at_most_one_open_ticket(stores: Stores) -> None:
    ticket = await opened(stores)
    again, new = await stores.tickets.open(NewTicket(ticket.user_id, Channel.WHATSAPP, "42", "Айгерім", "", "kk",
                                                     (), AT + dt.timedelta(minutes=1)))
    assert (again, new) == (ticket, False)


async def test_the_queue_counts_the_open_tickets_nobody_took_up_to_this_one(stores: Stores) -> None:
    first, second, third = [await opened(stores, chat_id) for chat_id in ("1", "2", "3")]
    assert [await stores.tickets.queue_position(t.id) for t in (first, second, third)] == [1, 2, 3]
    await stores.tickets.assign(first.id, "Асель", AT)
    await stores.tickets.close(second.id, "Асель", AT)
    assert await stores.tickets.queue_position(third.id) == 1


async def test_only_an_open_ticket_is_taken_or_closed_and_only_once(stores: Stores) -> None:
    ticket = await opened(stores)
    taken = await stores.tickets.assign(ticket.id, "Асель", AT)
    assert taken is not None and taken.assignee == "Асель"
    closed = await stores.tickets.close(ticket.id, "Асель", AT)
    assert closed is not None and closed.status is TicketStatus.CLOSED and not closed.is_open
    assert await stores.tickets.close(ticket.id, "Ерлан", AT) is None
    assert await stores.tickets.assign(ticket.id, "Ерлан", AT) is None
    assert await stores.tickets.open_of_user(ticket.user_id) is None


async def test_a_closed_ticket_reopens_unless_the_user_has_another_open(stores: Stores) -> None:
    ticket = await opened(stores)
    await stores.tickets.close(ticket.id, "Асель", AT)
    reopened = await stores.tickets.reopen(ticket.id)
    assert reopened is not None and reopened.status is TicketStatus.OPEN
    assert await stores.tickets.reopen(ticket.id) is None  # already open

    await stores.tickets.close(ticket.id, "Асель", AT)
    newer, _new = await stores.tickets.open(NewTicket(ticket.user_id, Channel.WHATSAPP, "42", "Айгерім", "", "ru",
                                                      (), AT))
    assert newer.id != ticket.id
    assert await stores.tickets.reopen(ticket.id) is None


async def test_only_the_user_rates_their_own_closed_ticket(stores: Stores) -> None:
    ticket = await opened(stores)
    assert await stores.tickets.rate(ticket.id, ticket.user_id, 5, AT) is False  # still open
    await stores.tickets.close(ticket.id, "Асель", AT)
    assert await stores.tickets.rate(ticket.id, ticket.user_id + 1, 1, AT) is False
    assert await stores.tickets.rate(ticket.id, ticket.user_id, 4, AT) is True
    rated = await stores.tickets.get(ticket.id)
    assert rated is not None and rated.rating == 4


async def test_a_users_message_restarts_the_reply_window(stores: Stores) -> None:
    ticket = await opened(stores)
    later = AT + dt.timedelta(hours=3)
    await stores.tickets.touch(ticket.id, later)
    touched = await stores.tickets.get(ticket.id)
    assert touched is not None and touched.last_user_message_at == later


async def test_a_waiting_ticket_is_reminded_once_per_interval_until_taken(stores: Stores) -> None:
    waiting, taken = await opened(stores, "1"), await opened(stores, "2")
    newer = await opened(stores, "3", at=AT + dt.timedelta(minutes=20))  # not waiting long enough yet
    await stores.tickets.assign(taken.id, "Асель", AT)
    half_hour = dt.timedelta(minutes=30)

    now = AT + half_hour
    assert [t.id for t in await stores.tickets.due_reminders(now - half_hour, now)] == [waiting.id]
    later = now + dt.timedelta(minutes=10)
    assert await stores.tickets.due_reminders(later - half_hour, later) == []  # reminded 10 minutes ago
    again = now + half_hour
    assert [t.id for t in await stores.tickets.due_reminders(again - half_hour, again)] == [waiting.id, newer.id]


async def test_the_conversation_holds_notes_at_once_and_not_messages_still_waiting(
        stores: Stores, clock: FakeClock) -> None:
    ticket = await opened(stores)
    await stores.outbox.put(Relay(ticket.id, Direction.TO_CONSULTANTS, RelayKind.TEXT, "Кто даёт гранты?"))
    note_id = await stores.outbox.put(Relay(ticket.id, Direction.NOTE, RelayKind.NOTE, "перезвонить", author="Асель"))
    later_id = await stores.outbox.put(Relay(ticket.id, Direction.NOTE, RelayKind.NOTE, "позже", author="Асель"))

    said = await stores.tickets.conversation(ticket.id, before=later_id)
    assert said == [Said(Direction.NOTE, RelayKind.NOTE, "Асель", "перезвонить", clock())]
    assert note_id < later_id
    assert await stores.tickets.conversation(ticket.id + 1, before=later_id + 1) == []


async def test_the_first_reply_is_reported_once_and_a_taken_ticket_is_never_released(stores: Stores) -> None:
    ticket = await opened(stores)
    await stores.tickets.assign(ticket.id, "Асель", AT, "7001")

    assert await stores.tickets.release(ticket.id, "7001") is None  # taken: it stays hers
    first = await stores.tickets.answered(ticket.id, AT)
    assert first is not None and first.first_reply_at == AT and first.consultant_id == "7001"
    assert await stores.tickets.answered(ticket.id, AT + dt.timedelta(minutes=5)) is None
    closed = await stores.tickets.close(ticket.id, "Асель", AT)
    assert closed is not None and await stores.tickets.release(ticket.id, "7001") is None
