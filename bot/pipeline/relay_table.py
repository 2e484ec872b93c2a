"""The relay outbox's table (`ticket_messages`): its statements and its claims.

Every message of a ticket is a row here (the transcript); the outbox sends only those for
the consultants. A consultant's message to a user is sent in the user's chat lane
(`bot.pipeline.user_relays`) and only takes its status from there.

A worker claims a row with one conditional UPDATE (`... SET status = 'sending' WHERE id = :id
AND status = 'pending'`), so two workers, in one process or in several instances on one
PostgreSQL, can never both send it. A claim whose worker died is taken again after the lease.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from bot.db.models import TicketMessage, TicketRow
from bot.db.tickets import to_ticket
from bot.pipeline.edge import clean_text
from bot.pipeline.relay_rows import payload_of
from handlers.ports import Direction, Relay, RelayKind, Ticket

PENDING, SENDING, SENT, HELD, FAILED, INTERNAL = "pending", "sending", "sent", "held", "failed", "internal"
BATCH = 200  # open rows read per pass
messages = TicketMessage.__table__
Row = tuple[TicketMessage, Ticket]  # an open row with its ticket


async def put(session: AsyncSession | AsyncConnection, relay: Relay, now: dt.datetime) -> tuple[int, str]:
    """Store a relayed message; its id and status (pending, or internal for a note). A reminder
    replaces the ticket's reminder still waiting, so reminders never pile up. The text is made
    storable here too (U+0000 removed): not every relay comes through the inbox's edge."""
    status = INTERNAL if relay.direction is Direction.NOTE else PENDING
    if relay.kind is RelayKind.REMINDER:  # the newer reminder replaces one still waiting
        waiting = (await session.execute(update(messages).where(
            messages.c.ticket_id == relay.ticket_id, messages.c.kind == RelayKind.REMINDER.value,
            messages.c.status == PENDING).values(text=relay.text, created_at=now)
            .returning(messages.c.id))).scalars().first()
        if waiting is not None:
            return int(waiting), PENDING
    row_id = (await session.execute(insert(messages).values(
        ticket_id=relay.ticket_id, direction=relay.direction.value, kind=relay.kind.value,
        author=clean_text(relay.author[:256]), text=clean_text(relay.text), payload=payload_of(relay), status=status,
        attempts=0, next_attempt_at=now, claim="", external_id="", error="",
        created_at=now).returning(messages.c.id))).scalar_one()
    return int(row_id), status


def release(conn: Connection, ids: Sequence[int]) -> None:
    """Held replies go back to pending in the transcript (their outbound messages are released)."""
    if ids:
        conn.execute(update(messages).where(messages.c.id.in_(list(ids)), messages.c.status == HELD)
                     .values(status=PENDING))


async def requeue_stale(session: AsyncSession, stale: dt.datetime) -> None:
    """The claims of dead workers (older than `stale`) go back to the queue."""
    await session.execute(update(messages).where(
        messages.c.status == SENDING, messages.c.claimed_at < stale).values(status=PENDING))


async def open_rows(session: AsyncSession) -> list[Row]:
    """The open rows for the consultants in order, up to BATCH (a user's go through their chat's lane)."""
    rows = (await session.execute(
        select(TicketMessage, TicketRow).join(TicketRow, TicketRow.id == TicketMessage.ticket_id)
        .where(TicketMessage.status.in_((PENDING, SENDING)),
               TicketMessage.direction == Direction.TO_CONSULTANTS.value)
        .order_by(TicketMessage.id).limit(BATCH))).all()
    return [(row, to_ticket(ticket_row)) for row, ticket_row in rows]


async def claim(session: AsyncSession, row_id: int, now: dt.datetime) -> str | None:
    """pending and due -> sending, counting the attempt; the claim's token, None when taken."""
    token = uuid.uuid4().hex
    result = await session.execute(update(messages).where(
        messages.c.id == row_id, messages.c.status == PENDING, messages.c.next_attempt_at <= now)
        .values(status=SENDING, claim=token, claimed_at=now, attempts=messages.c.attempts + 1))
    return token if result.rowcount == 1 else None


async def settle(session: AsyncSession, row_id: int, token: str, values: dict[str, Any]) -> None:
    """Record how a try ended, unless the claim passed to another worker meanwhile."""
    await session.execute(update(messages).where(
        messages.c.id == row_id, messages.c.status == SENDING, messages.c.claim == token).values(**values))
