"""SqlTicketStore: the desk's TicketStore port on SQLAlchemy.

State changes are conditional UPDATEs (`... WHERE status = 'open'`), so two
instances acting on one ticket at once cannot both close it or both remind;
the partial unique index keeps one open ticket per user.
"""

from __future__ import annotations

import datetime as dt
import json

from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from bot.db.models import TicketMessage, TicketRow, aware
from handlers.ports import Direction, LoggedQuestion, NewTicket, RelayKind, Said, Ticket, TicketStatus
from handlers.types import Channel

OPEN = TicketStatus.OPEN.value
CLOSED = TicketStatus.CLOSED.value
# What a transcript shows: words and files that went through, notices and internal notes.
SAID_KINDS = tuple(kind.value for kind in (RelayKind.TEXT, RelayKind.MEDIA, RelayKind.NOTICE, RelayKind.NOTE))
SAID_STATUSES = ("sent", "held", "internal")


def to_ticket(row: TicketRow) -> Ticket:
    history = tuple(LoggedQuestion(q["text"], q["lang"], q["decision"], q.get("topic"), q.get("score", 0.0))
                    for q in json.loads(row.history or "[]"))
    return Ticket(row.id, row.user_id, Channel(row.channel), row.chat_id, row.name, row.handle, row.lang,
                  TicketStatus(row.status), row.assignee, aware(row.created_at),
                  aware(row.last_user_message_at), history, row.rating, row.centre, row.consultant_id,
                  aware(row.first_reply_at) if row.first_reply_at else None,
                  aware(row.sla_flagged_at) if row.sla_flagged_at else None)


def _history(questions: tuple[LoggedQuestion, ...]) -> str:
    return json.dumps([{"text": q.text, "lang": q.lang, "decision": q.decision, "topic": q.topic,
                        "score": round(q.score, 4)} for q in questions], ensure_ascii=False)


class SqlTicketStore:
    """Tickets in the relational database, one short transaction per call."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.sessions = async_sessionmaker(engine, expire_on_commit=False)

    async def open(self, new: NewTicket) -> tuple[Ticket, bool]:
        try:
            async with self.sessions.begin() as session:
                row = TicketRow(user_id=new.user_id, channel=new.channel.value, chat_id=new.chat_id,
                                name=new.name[:256], handle=new.handle[:64], lang=new.lang, status=OPEN,
                                history=_history(new.history), created_at=new.at, centre=new.centre,
                                last_user_message_at=new.at)
                session.add(row)
                await session.flush()
                return to_ticket(row), True
        except IntegrityError:  # the user's other message opened one a moment ago
            existing = await self.open_of_user(new.user_id)
            if existing is None:
                raise
            return existing, False

    async def get(self, ticket_id: int) -> Ticket | None:
        async with self.sessions() as session:
            row = await session.get(TicketRow, ticket_id)
            return to_ticket(row) if row else None

    async def open_of_user(self, user_id: int) -> Ticket | None:
        async with self.sessions() as session:
            row = await session.scalar(select(TicketRow).where(
                TicketRow.user_id == user_id, TicketRow.status == OPEN))
            return to_ticket(row) if row else None

    async def queue_position(self, ticket_id: int) -> int:
        async with self.sessions() as session:
            return int(await session.scalar(select(func.count()).select_from(TicketRow).where(
                TicketRow.status == OPEN, TicketRow.assignee == "", TicketRow.id <= ticket_id)) or 0)

    async def list_open(self, centre: str | None = None) -> list[Ticket]:
        """The open tickets, of one centre when asked."""
        of_centre = (TicketRow.centre == centre,) if centre is not None else ()
        async with self.sessions() as session:
            rows = await session.scalars(select(TicketRow).where(TicketRow.status == OPEN, *of_centre)
                                         .order_by(TicketRow.id))
            return [to_ticket(row) for row in rows]

    async def _change(self, ticket_id: int, *conditions: object, **values: object) -> Ticket | None:
        """One conditional UPDATE; the changed ticket, or None when the condition did not hold."""
        async with self.sessions.begin() as session:
            result = await session.execute(update(TicketRow).where(TicketRow.id == ticket_id, *conditions)
                                           .values(**values))
            if result.rowcount != 1:
                return None
        return await self.get(ticket_id)

    async def assign(self, ticket_id: int, consultant: str, at: dt.datetime,
                     consultant_id: str = "") -> Ticket | None:
        holder = {"consultant_id": consultant_id[:64]} if consultant_id else {}
        return await self._change(ticket_id, TicketRow.status == OPEN, assignee=consultant[:256],
                                  assigned_at=at, **holder)

    async def answered(self, ticket_id: int, at: dt.datetime) -> Ticket | None:
        return await self._change(ticket_id, TicketRow.first_reply_at.is_(None), first_reply_at=at)

    async def release(self, ticket_id: int, consultant_id: str) -> Ticket | None:
        return await self._change(ticket_id, TicketRow.status == OPEN, TicketRow.assignee == "",
                                  TicketRow.consultant_id == consultant_id, consultant_id="")

    async def transfer(self, ticket_id: int, centre: str) -> Ticket | None:
        return await self._change(ticket_id, TicketRow.status == OPEN, centre=centre[:32], consultant_id="",
                                  assignee="", assigned_at=None)

    async def unanswered(self) -> list[Ticket]:
        async with self.sessions() as session:
            rows = await session.scalars(select(TicketRow).where(
                TicketRow.status == OPEN, TicketRow.first_reply_at.is_(None), TicketRow.sla_flagged_at.is_(None))
                .order_by(TicketRow.id))
            return [to_ticket(row) for row in rows]

    async def flag_late(self, ticket_id: int, at: dt.datetime) -> Ticket | None:
        return await self._change(ticket_id, TicketRow.status == OPEN, TicketRow.first_reply_at.is_(None),
                                  TicketRow.sla_flagged_at.is_(None), sla_flagged_at=at)

    async def close(self, ticket_id: int, by: str, at: dt.datetime) -> Ticket | None:
        return await self._change(ticket_id, TicketRow.status == OPEN, status=CLOSED, closed_at=at,
                                  closed_by=by)

    async def reopen(self, ticket_id: int) -> Ticket | None:
        try:
            return await self._change(ticket_id, TicketRow.status == CLOSED, status=OPEN, closed_at=None,
                                      closed_by="", reopened=TicketRow.reopened + 1)
        except IntegrityError:  # the user has another open ticket
            return None

    async def rate(self, ticket_id: int, user_id: int, rating: int, at: dt.datetime) -> bool:
        changed = await self._change(ticket_id, TicketRow.user_id == user_id, TicketRow.status == CLOSED,
                                     TicketRow.rated_at.is_(None), rating=rating, rated_at=at)
        return changed is not None

    async def touch(self, ticket_id: int, at: dt.datetime) -> None:
        await self._change(ticket_id, last_user_message_at=at)

    async def due_reminders(self, waiting_since: dt.datetime, at: dt.datetime) -> list[Ticket]:
        not_reminded = or_(TicketRow.reminded_at.is_(None), TicketRow.reminded_at <= waiting_since)
        async with self.sessions() as session:
            ids = list(await session.scalars(select(TicketRow.id).where(
                TicketRow.status == OPEN, TicketRow.assignee == "", TicketRow.created_at <= waiting_since,
                not_reminded).order_by(TicketRow.id)))
        due = []
        for ticket_id in ids:  # each claimed by its own UPDATE: another instance may be here too
            ticket = await self._change(ticket_id, TicketRow.status == OPEN, TicketRow.assignee == "",
                                        not_reminded, reminded_at=at)
            if ticket is not None:
                due.append(ticket)
        return due

    async def conversation(self, ticket_id: int, before: int) -> list[Said]:
        async with self.sessions() as session:
            rows = await session.execute(
                select(TicketMessage.direction, TicketMessage.kind, TicketMessage.author, TicketMessage.text,
                       TicketMessage.created_at)
                .where(TicketMessage.ticket_id == ticket_id, TicketMessage.id < before,
                       TicketMessage.kind.in_(SAID_KINDS), TicketMessage.status.in_(SAID_STATUSES))
                .order_by(TicketMessage.id))
            return [Said(Direction(d), RelayKind(k), author, text, aware(at)) for d, k, author, text, at in rows]

    async def has_held_replies(self, ticket_id: int) -> bool:
        """Replies to the user of this ticket wait for them to come back (the Telegram user blocked the bot)."""
        async with self.sessions() as session:
            return await session.scalar(select(TicketMessage.id).where(
                TicketMessage.ticket_id == ticket_id, TicketMessage.status == "held",
                TicketMessage.direction == Direction.TO_USER.value).limit(1)) is not None
