"""The core's ports in memory: the desk without a database.

`civic-desk ask` answers with them and keeps nothing; the core's tests run the
desk and its consultants on them and read their state. They follow the same
specification as the SQL stores (tests/stores), so the two cannot drift apart.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from handlers.ports import (
    Clock,
    Direction,
    LoggedQuestion,
    NewTicket,
    Relay,
    Said,
    Ticket,
    TicketStatus,
    UserRecord,
)
from handlers.team import utcnow
from handlers.types import Channel


class MemoryDeskStore:
    """Users, questions and feedback in dicts for the life of the process."""

    def __init__(self) -> None:
        self.users: dict[tuple[Channel, str], UserRecord] = {}
        self.questions: list[tuple[int, LoggedQuestion]] = []  # (user id, question); its id is its place + 1
        self.feedback: dict[int, bool] = {}  # question id -> helpful

    async def touch_user(self, channel: Channel, external_id: str, name: str) -> UserRecord:
        key = (channel, external_id)
        if key not in self.users:
            self.users[key] = UserRecord(len(self.users) + 1, channel, external_id, None)
        return self.users[key]

    async def set_language(self, user_id: int, lang: str) -> None:
        self._change(user_id, lang=lang)

    async def set_region(self, user_id: int, region: str) -> None:
        self._change(user_id, region=region)

    def _change(self, user_id: int, **values: str) -> None:
        for key, user in self.users.items():
            if user.id == user_id:
                self.users[key] = replace(user, **values)

    async def log_question(self, user_id: int, question: LoggedQuestion, *, language: str | None = None) -> int:
        if language is not None:
            await self.set_language(user_id, language)
        self.questions.append((user_id, question))
        return len(self.questions)

    async def add_feedback(self, user_id: int, question_id: int, helpful: bool) -> bool:
        if not 1 <= question_id <= len(self.questions) or self.questions[question_id - 1][0] != user_id:
            return False
        self.feedback[question_id] = helpful
        return True

    async def recent_questions(self, user_id: int, limit: int) -> list[LoggedQuestion]:
        return [q for uid, q in self.questions if uid == user_id][-limit:]


class MemoryRelayOutbox:
    """Relays kept in the order they were put; nothing delivers them.

    A note is said the moment it is put (it is kept, never sent); everything else
    waits for a delivery that the memory has no channel for.
    """

    def __init__(self, clock: Clock = utcnow) -> None:
        self.clock = clock
        self.relays: list[tuple[Relay, dt.datetime]] = []  # a relay's id is its place + 1

    async def put(self, relay: Relay) -> int:
        self.relays.append((relay, self.clock()))
        return len(self.relays)

    def queued(self) -> list[Relay]:
        return [relay for relay, _at in self.relays]

    def said(self, ticket_id: int, before: int) -> list[Said]:
        return [Said(r.direction, r.kind, r.author, r.text, at)
                for relay_id, (r, at) in enumerate(self.relays, 1)
                if r.ticket_id == ticket_id and relay_id < before and r.direction is Direction.NOTE]


class MemoryTicketStore:
    """Tickets in a dict; one open ticket per user, as the SQL store's unique index keeps it."""

    def __init__(self, outbox: MemoryRelayOutbox) -> None:
        self.outbox = outbox  # where the tickets' conversations are kept
        self.tickets: dict[int, Ticket] = {}
        self.reminded: dict[int, dt.datetime] = {}

    async def open(self, new: NewTicket) -> tuple[Ticket, bool]:
        existing = await self.open_of_user(new.user_id)
        if existing is not None:
            return existing, False
        ticket = Ticket(len(self.tickets) + 1, new.user_id, new.channel, new.chat_id, new.name, new.handle,
                        new.lang, TicketStatus.OPEN, "", new.at, new.at, new.history, centre=new.centre)
        self.tickets[ticket.id] = ticket
        return ticket, True

    async def get(self, ticket_id: int) -> Ticket | None:
        return self.tickets.get(ticket_id)

    async def open_of_user(self, user_id: int) -> Ticket | None:
        return next((t for t in self.tickets.values() if t.user_id == user_id and t.is_open), None)

    async def queue_position(self, ticket_id: int) -> int:
        return sum(1 for t in self.tickets.values() if t.is_open and not t.assignee and t.id <= ticket_id)

    def _change(self, ticket_id: int, when: bool, **values: object) -> Ticket | None:
        """The changed ticket, or None when it is unknown or `when` does not hold."""
        if ticket_id not in self.tickets or not when:
            return None
        self.tickets[ticket_id] = changed = replace(self.tickets[ticket_id], **values)  # type: ignore[arg-type]
        return changed

    def _status_is(self, ticket_id: int, status: TicketStatus) -> bool:
        ticket = self.tickets.get(ticket_id)
        return ticket is not None and ticket.status is status

    async def assign(self, ticket_id: int, consultant: str, at: dt.datetime,
                     consultant_id: str = "") -> Ticket | None:
        holder = {"consultant_id": consultant_id} if consultant_id else {}
        return self._change(ticket_id, self._status_is(ticket_id, TicketStatus.OPEN), assignee=consultant, **holder)

    async def list_open(self) -> list[Ticket]:
        return [t for t in sorted(self.tickets.values(), key=lambda t: t.id) if t.is_open]

    async def answered(self, ticket_id: int, at: dt.datetime) -> Ticket | None:
        ticket = self.tickets.get(ticket_id)
        return self._change(ticket_id, ticket is not None and ticket.first_reply_at is None, first_reply_at=at)

    async def release(self, ticket_id: int, consultant_id: str) -> Ticket | None:
        ticket = self.tickets.get(ticket_id)
        offered = (ticket is not None and ticket.is_open and not ticket.assignee
                   and ticket.consultant_id == consultant_id)
        return self._change(ticket_id, offered, consultant_id="")

    async def transfer(self, ticket_id: int, centre: str) -> Ticket | None:
        return self._change(ticket_id, self._status_is(ticket_id, TicketStatus.OPEN), centre=centre,
                            consultant_id="", assignee="")

    async def unanswered(self) -> list[Ticket]:
        return [t for t in await self.list_open() if t.first_reply_at is None and t.sla_flagged_at is None]

    async def flag_late(self, ticket_id: int, at: dt.datetime) -> Ticket | None:
        waiting = any(t.id == ticket_id for t in await self.unanswered())
        return self._change(ticket_id, waiting, sla_flagged_at=at)

    async def close(self, ticket_id: int, by: str, at: dt.datetime) -> Ticket | None:
        return self._change(ticket_id, self._status_is(ticket_id, TicketStatus.OPEN), status=TicketStatus.CLOSED)

    async def reopen(self, ticket_id: int) -> Ticket | None:
        closed = self._status_is(ticket_id, TicketStatus.CLOSED)
        if not closed or await self.open_of_user(self.tickets[ticket_id].user_id) is not None:
            return None
        return self._change(ticket_id, True, status=TicketStatus.OPEN)

    async def rate(self, ticket_id: int, user_id: int, rating: int, at: dt.datetime) -> bool:
        own = ticket_id in self.tickets and self.tickets[ticket_id].user_id == user_id
        closed = self._status_is(ticket_id, TicketStatus.CLOSED)
        return self._change(ticket_id, own and closed, rating=rating) is not None

    async def touch(self, ticket_id: int, at: dt.datetime) -> None:
        self._change(ticket_id, True, last_user_message_at=at)

    async def due_reminders(self, waiting_since: dt.datetime, at: dt.datetime) -> list[Ticket]:
        due = [t for t in self.tickets.values() if t.is_open and not t.assignee and t.created_at <= waiting_since
               and self.reminded.get(t.id, waiting_since) <= waiting_since]
        self.reminded.update((t.id, at) for t in due)
        return due

    async def conversation(self, ticket_id: int, before: int) -> list[Said]:
        return self.outbox.said(ticket_id, before)
