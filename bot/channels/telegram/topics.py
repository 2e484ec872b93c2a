"""Which forum topic of the consultants' group belongs to which ticket, and its card message."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from bot.db.models import TicketTopic


@dataclass(frozen=True)
class Topic:
    ticket_id: int
    chat_id: int
    thread_id: int
    card_message_id: int | None


def _topic(row: TicketTopic) -> Topic:
    return Topic(row.ticket_id, row.chat_id, row.thread_id, row.card_message_id)


class TopicStore:
    """The ticket <-> topic map; a deleted topic is forgotten and made anew on the next message."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.sessions = async_sessionmaker(engine, expire_on_commit=False)

    async def get(self, ticket_id: int) -> Topic | None:
        async with self.sessions() as session:
            row = await session.get(TicketTopic, ticket_id)
            return _topic(row) if row else None

    async def ticket_of(self, chat_id: int, thread_id: int) -> int | None:
        async with self.sessions() as session:
            return await session.scalar(select(TicketTopic.ticket_id).where(
                TicketTopic.chat_id == chat_id, TicketTopic.thread_id == thread_id))

    async def save(self, ticket_id: int, chat_id: int, thread_id: int) -> Topic:
        async with self.sessions.begin() as session:
            session.add(TicketTopic(ticket_id=ticket_id, chat_id=chat_id, thread_id=thread_id))
        return Topic(ticket_id, chat_id, thread_id, None)

    async def set_card(self, ticket_id: int, message_id: int | None) -> None:
        async with self.sessions.begin() as session:
            await session.execute(update(TicketTopic).where(TicketTopic.ticket_id == ticket_id)
                                  .values(card_message_id=message_id))

    async def forget(self, ticket_id: int) -> None:
        async with self.sessions.begin() as session:
            await session.execute(delete(TicketTopic).where(TicketTopic.ticket_id == ticket_id))
