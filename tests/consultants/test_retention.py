"""`civic-desk purge` covers tickets: old closed tickets lose their texts, undelivered messages never do."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.db.models import TicketMessage, TicketRow, utcnow
from bot.db.store import SqlDeskStore
from bot.db.tickets import SqlTicketStore
from bot.ops.retention import purge
from bot.pipeline.outbound import Outbound
from bot.pipeline.outbox import Outbox
from bot.pipeline.user_relays import UserRelays
from handlers import Channel
from handlers.ports import Direction, LoggedQuestion, NewTicket, Relay, RelayKind

OLD = utcnow() - dt.timedelta(days=400)


async def test_old_closed_tickets_are_blanked_and_held_replies_kept(engine: AsyncEngine) -> None:
    user = await SqlDeskStore(engine).touch_user(Channel.WHATSAPP, "77011234567", "Айгерім")
    users = Outbound(engine, {}, relays=UserRelays(engine, {}, clock=lambda: OLD), clock=lambda: OLD)
    tickets, outbox = SqlTicketStore(engine), Outbox(engine, lambda: OLD, users=users)
    history = (LoggedQuestion("менің ЖСН 900101300123", "kk", "fallback", None, 0.1),)
    old, _ = await tickets.open(NewTicket(user.id, Channel.WHATSAPP, "77011234567", "Айгерім", "", "kk",
                                          history, OLD))
    await outbox.put(Relay(old.id, Direction.TO_CONSULTANTS, RelayKind.TEXT, "менің телефоным 8701..."))
    await outbox.put(Relay(old.id, Direction.TO_USER, RelayKind.TEXT, "жауап әлі жеткізілмеген"))
    await users.drain()  # no WhatsApp here: the reply waits in its chat's lane
    async with engine.begin() as conn:
        await conn.execute(update(TicketMessage).where(TicketMessage.direction == "to_consultants")
                           .values(status="sent"))
        await conn.execute(update(TicketMessage).where(TicketMessage.direction == "to_user").values(status="held"))
    await tickets.close(old.id, "consultant", OLD)

    counts = await purge(engine, dt.timedelta(days=365))

    assert (counts["ticket names"], counts["ticket histories"], counts["relayed texts"]) == (1, 1, 1)
    async with engine.connect() as conn:
        ticket = (await conn.execute(select(TicketRow))).one()
        texts = (await conn.execute(select(TicketMessage.text).order_by(TicketMessage.id))).scalars().all()
    assert (ticket.name, ticket.history, ticket.status) == ("", "[]", "closed")
    assert texts == ["", "жауап әлі жеткізілмеген"]
