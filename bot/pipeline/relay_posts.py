"""The posts of a relay lane: what to send next of a conversation, and the claim of all its rows.

A post may carry several rows of `ticket_messages` (a user's texts merged by the
destination's `Shaper`); they are claimed together with one conditional UPDATE, or not
at all: a row another worker took meanwhile would otherwise be overtaken by the
rows after it.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import replace

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import TicketMessage, aware
from bot.pipeline.relay_rows import Delivery, delivery_of
from bot.pipeline.shaping import Post, Shaper, Waiting
from handlers.ports import RelayKind, Ticket

PENDING, SENDING = "pending", "sending"
messages = TicketMessage.__table__


def next_post(conversation: list[TicketMessage], now: dt.datetime, shaper: Shaper | None) -> Post | None:
    """What to send next of a conversation (its open rows, oldest first); None while its first waits."""
    waiting = [Waiting(r.id, RelayKind(r.kind), r.text, aware(r.created_at),
                       r.status == PENDING and aware(r.next_attempt_at) <= now) for r in conversation]
    if shaper is not None:
        return shaper.next_post(waiting)
    return Post((waiting[0].id,), waiting[0].text) if waiting and waiting[0].due else None


def delivery(post: Post, conversation: list[TicketMessage], ticket: Ticket) -> tuple[list[TicketMessage], Delivery]:
    """The rows a post carries, and what the channel is handed: a merged post's text, counted as
    the attempt of its most tried row."""
    rows = [r for r in conversation if r.id in post.ids]
    first = delivery_of(rows[0], ticket)
    if not post.merged:
        return rows, first
    return rows, replace(first, text=post.text, attempt=max(r.attempts for r in rows) + 1)


async def claim(session: AsyncSession, post: Post, now: dt.datetime) -> str | None:
    """Claim every row of the post (counting an attempt of each), or none; the claim's token."""
    token = uuid.uuid4().hex
    result = await session.execute(update(messages).where(
        messages.c.id.in_(post.ids), messages.c.status == PENDING, messages.c.next_attempt_at <= now)
        .values(status=SENDING, claim=token, claimed_at=now, attempts=messages.c.attempts + 1))
    if result.rowcount == len(post.ids):
        return token
    await session.execute(update(messages).where(messages.c.claim == token, messages.c.status == SENDING)
                          .values(status=PENDING, claim="", attempts=messages.c.attempts - 1))
    return None
