"""The reminders' rows in flight: read and settled many at a time, in the desk's group commits.

A large event sends tens of thousands of reminders; one read and one write of
`sent_reminders` per reminder, each in a transaction of its own, made the database,
not the platforms, set the pace (benchmarks/README.md, "Reminders"). Concurrent
deliveries therefore submit their ids and outcomes to a `GroupCommit` (`bot.db.batch`):
one SELECT for every reminder waiting to be read, one executemany UPDATE for every
outcome waiting to be written, each flush in one transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, and_, bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.db.batch import GroupCommit
from bot.db.models import User, WhatsAppContact, aware
from bot.reminders.tables import ReminderSubscription, SentReminder

NEW, QUEUED, DELIVERED, FAILED, CANCELLED = "new", "queued", "delivered", "failed", "cancelled"
LANE = "reminders"  # their own flusher: a large event's writes never queue ahead of the desk's answers
READS = "reminder-reads"  # and their reads, a single SELECT each (no BEGIN and COMMIT), beside the writes
sent, users, subscriptions = SentReminder.__table__, User.__table__, ReminderSubscription.__table__
contacts = WhatsAppContact.__table__

SETTLE = update(sent).where(sent.c.id == bindparam("b_id"), sent.c.status == bindparam("b_from")).values(
    status=bindparam("b_status"), error=bindparam("b_error"), external_id=bindparam("b_external_id"),
    settled_at=bindparam("b_settled_at"))


@dataclass(frozen=True)
class Claimed:
    """A queued reminder with what its sending needs: its user, and whether the subscription still stands."""

    id: int
    event_id: str
    occurrence: dt.date
    user_id: int
    stream: str
    lang: str
    channel: str
    chat_id: str
    created_at: dt.datetime
    active: bool
    last_inbound: dt.datetime | None  # WhatsApp: when the user last wrote (the 24-hour window)


@dataclass(frozen=True)
class Settle:
    """How one reminder ended (or failed after all: `was` the status it leaves)."""

    id: int
    status: str
    error: str = ""
    external_id: str = ""
    settled_at: dt.datetime | None = None
    was: str = QUEUED


def read_queued(conn: Connection, ids: Sequence[int]) -> list[Claimed | None]:
    """Each id's reminder while it is queued, else None (settled meanwhile: not sent again)."""
    rows = conn.execute(
        select(sent.c.id, sent.c.event_id, sent.c.occurrence, sent.c.user_id, sent.c.stream, sent.c.created_at,
               users.c.lang, users.c.channel, users.c.external_id, subscriptions.c.stopped_at,
               subscriptions.c.id.label("subscription"), contacts.c.last_inbound_at)
        .join(users, users.c.id == sent.c.user_id)
        .outerjoin(subscriptions, and_(subscriptions.c.user_id == sent.c.user_id,
                                       subscriptions.c.stream == sent.c.stream))
        .outerjoin(contacts, and_(users.c.channel == "whatsapp", contacts.c.wa_id == users.c.external_id))
        .where(sent.c.id.in_(set(ids)), sent.c.status == QUEUED))
    found = {row.id: Claimed(row.id, row.event_id, dt.date.fromisoformat(row.occurrence), row.user_id, row.stream,
                             row.lang or "kk", row.channel, row.external_id, aware(row.created_at),
                             row.subscription is not None and row.stopped_at is None,
                             aware(row.last_inbound_at) if row.last_inbound_at else None) for row in rows}
    return [found.get(reminder_id) for reminder_id in ids]


def settle(conn: Connection, outcomes: Sequence[Settle]) -> list[None]:
    """Record outcomes, one statement for all; a row no longer in the status it was read in is left alone."""
    conn.execute(SETTLE, [_parameters(outcome) for outcome in outcomes])
    return [None] * len(outcomes)


def _parameters(outcome: Settle) -> dict[str, Any]:
    return {"b_id": outcome.id, "b_from": outcome.was, "b_status": outcome.status, "b_error": outcome.error[:2000],
            "b_external_id": outcome.external_id[:128], "b_settled_at": outcome.settled_at}


@dataclass
class Rows:
    """The two group commits of reminders in flight, on one engine."""

    reads: GroupCommit[int, Claimed | None]
    outcomes: GroupCommit[Settle, None]

    @classmethod
    def on(cls, engine: AsyncEngine) -> Rows:
        return cls(GroupCommit(engine, read_queued, lane=READS, one_statement=True),
                   GroupCommit(engine, settle, lane=LANE))
