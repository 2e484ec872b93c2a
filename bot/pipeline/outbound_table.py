"""The table of outbound desk messages: its statements, and the claims that keep each sent once.

A message is written before it is sent: by the instance that made it, already claimed
(`sending`, its `owner` and a `claim` of its own), in the transaction that records its
update done. The writer then sends it from memory; a message that must wait (a retry, a
chat with older messages waiting) goes back to `pending`, and whichever instance finds it
due claims it again with one conditional UPDATE. A claim older than the lease is a dead
instance's and is taken over; a restarted instance takes its own back at once.

A consultant's message to a user is a row here too, pointing at its transcript row
(`relay_id`, in `ticket_messages`): it is rendered when it goes out. One the user cannot
take now (a closed WhatsApp window, a blocked bot) ends `held`, and goes back to `pending`
when the user writes again (`release_held`). Each scheduler reads only its own channels.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, and_, bindparam, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.db.dialect import ids_in
from bot.db.models import OutboundMessage, aware
from bot.db.rendered import InsertRows, Statement
from bot.pipeline import jsonio

messages = OutboundMessage.__table__
PENDING, SENDING, SENT, FAILED, HELD = "pending", "sending", "sent", "failed", "held"
OPEN = (PENDING, SENDING)
HEADS = 500  # open messages read per look for what is due

# RETURNING the claims: the rows are matched back by claim.
INSERT = InsertRows(lambda dialect: insert(messages).returning(messages.c.id, messages.c.claim), (
    "channel", "chat_id", "body", "status", "attempts", "next_attempt_at", "deadline_at", "claim", "claimed_at",
    "owner", "error", "created_at", "relay_id"))
MARK_SENT = Statement(lambda dialect: update(messages).where(
    ids_in(messages.c.id, dialect), messages.c.status == SENDING).values(status=SENT, sent_at=bindparam("now")),
    ("ids", "now"))
SETTLE = update(messages).where(messages.c.id == bindparam("row_id"), messages.c.claim == bindparam("token"))
HAND_BACK = update(messages).where(messages.c.id.in_(bindparam("ids", expanding=True)),
                                   messages.c.status == SENDING).values(status=PENDING)


@dataclass
class Message:
    """One message on its way: its destination, the platform body, and its claim."""

    channel: str
    chat_id: str
    body: dict[str, Any]
    deadline_at: dt.datetime
    claim: str
    batch: int = 0  # the messages of one answer share it: a refusal drops the rest
    id: int = 0
    attempt: int = 1
    relay: int = 0  # the transcript row (`ticket_messages`) of a consultant's message, rendered when sent

    @property
    def destination(self) -> tuple[str, str]:
        return self.channel, self.chat_id


def new_claim() -> str:
    return uuid.uuid4().hex


def store(conn: Connection, batch: Sequence[Message], owner: str, now: dt.datetime) -> None:
    """Insert messages already claimed by `owner`, and set their ids (one statement for the batch)."""
    if not batch:
        return
    rows = INSERT.run(conn, [
        (m.channel, m.chat_id, jsonio.dumps(m.body), SENDING, 1, now, m.deadline_at, m.claim, now, owner, "", now,
         m.relay or None) for m in batch])
    ids = {claim: row_id for row_id, claim in rows}
    for message in batch:
        message.id = ids[message.claim]


def mark_sent(conn: Connection, ids: Sequence[int], now: dt.datetime) -> None:
    MARK_SENT.run(conn, (list(ids), now))


async def settle(conn: AsyncConnection, message: Message, values: dict[str, Any]) -> None:
    """Record how a try ended, unless the claim passed to another instance meanwhile."""
    await conn.execute(SETTLE.values(**values), {"row_id": message.id, "token": message.claim})


async def hand_back(conn: AsyncConnection, ids: Sequence[int]) -> None:
    """Claimed messages not tried go back to pending: they queue behind one that must wait."""
    if ids:
        await conn.execute(HAND_BACK, {"ids": list(ids)})


async def take_back(conn: AsyncConnection, owner: str | None, stale: dt.datetime, channels: Sequence[str]) -> None:
    """Claims of a dead instance (older than the lease), and `owner`'s own from before a restart,
    go back to pending."""
    taken = messages.c.claimed_at < stale if owner is None else or_(messages.c.owner == owner,
                                                                     messages.c.claimed_at < stale)
    await conn.execute(update(messages).where(messages.c.status == SENDING, messages.c.channel.in_(channels), taken)
                       .values(status=PENDING))


async def heads(conn: AsyncConnection, channels: Sequence[str]) -> dict[tuple[str, str], Any]:
    """Each destination's oldest open message (status, next_attempt_at): the ones after it wait."""
    rows = (await conn.execute(
        select(messages.c.channel, messages.c.chat_id, messages.c.status, messages.c.next_attempt_at)
        .where(messages.c.status.in_(OPEN), messages.c.channel.in_(channels))
        .order_by(messages.c.id).limit(HEADS))).all()
    first: dict[tuple[str, str], Any] = {}
    for row in rows:
        first.setdefault((row.channel, row.chat_id), row)
    return first


async def claim_next(conn: AsyncConnection, destination: tuple[str, str], owner: str,
                     now: dt.datetime) -> tuple[Message | None, bool]:
    """Claim the destination's oldest open message when it is pending and due.

    Returns the message (or None) and whether the destination still has open messages.
    """
    channel, chat_id = destination
    row = (await conn.execute(select(messages).where(
        messages.c.channel == channel, messages.c.chat_id == chat_id, messages.c.status.in_(OPEN))
        .order_by(messages.c.id).limit(1))).first()
    if row is None:
        return None, False
    if row.status != PENDING or aware(row.next_attempt_at) > now:
        return None, True
    claim = new_claim()
    claimed = await conn.execute(update(messages).where(and_(messages.c.id == row.id, messages.c.status == PENDING))
                                 .values(status=SENDING, claim=claim, claimed_at=now, owner=owner,
                                         attempts=messages.c.attempts + 1))
    if claimed.rowcount != 1:
        return None, True
    return Message(channel, chat_id, jsonio.loads(row.body), aware(row.deadline_at), claim,
                   id=row.id, attempt=row.attempts + 1, relay=row.relay_id or 0), True


def release_held(conn: Connection, chats: Sequence[tuple[str, str]], now: dt.datetime,
                 deadline_at: dt.datetime) -> list[tuple[str, str, int]]:
    """The messages held for these chats go back to pending, with a deadline counted from now;
    (channel, chat id, transcript row) of each one released, one UPDATE per channel."""
    released = []
    for channel in sorted({channel for channel, _chat in chats}):
        rows = conn.execute(update(messages).where(
            messages.c.status == HELD, messages.c.channel == channel,
            messages.c.chat_id.in_([chat for kind, chat in chats if kind == channel]))
            .values(status=PENDING, next_attempt_at=now, deadline_at=deadline_at)
            .returning(messages.c.chat_id, messages.c.relay_id))
        released += [(channel, row.chat_id, row.relay_id or 0) for row in rows]
    return released
