"""The relay outbox: every message of a ticket is stored first, then delivered exactly once.

The desk `put`s a message (user -> consultants, consultant -> user) as a
`pending` row of `ticket_messages`. A worker claims a row with one conditional
UPDATE (`... SET status = 'sending' WHERE id = :id AND status = 'pending'`), so
two workers, in one process or in several instances on one PostgreSQL, can
never both send it. The channel's deliverer then answers sent, retry (Telegram
429 with its retry_after, 5xx, network; Graph 429/5xx after its own retries),
held (WhatsApp window closed), unavailable (the destination itself is down: kept
pending, uncounted) or failed. Retries back off, bounded; a claim whose worker died
is taken again after the lease. Rows survive restarts.

Each destination (the consultants' group, each user's chat) is a lane of its own, so
a slow one never holds up the others; within it, messages of one ticket in one
direction go out in order: a row waiting for a retry holds back the rows after it.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from sqlalchemy import Connection, insert, select, update
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from bot.db.batch import GroupCommit
from bot.db.models import Ticket as TicketRow
from bot.db.models import TicketMessage, aware, utcnow
from bot.db.tickets import to_ticket
from bot.pipeline.outcome import Outcome
from bot.pipeline.relay_rows import Delivery, delivery_of, payload_of
from bot.pipeline.ticks import passes
from handlers.ports import Clock, DeliveryReport, Direction, Relay, Ticket

__all__ = ["CONSULTANTS", "Deliverer", "Delivery", "Outbox", "Outcome"]
log = logging.getLogger(__name__)
PENDING, SENDING, SENT, HELD, FAILED, INTERNAL = "pending", "sending", "sent", "held", "failed", "internal"
CONSULTANTS = "consultants"  # the deliverer of everything for the consultants' workspace
BATCH = 200
messages, tickets_table = TicketMessage.__table__, TicketRow.__table__


Deliverer = Callable[[Delivery], Awaitable[Outcome]]
Reporter = Callable[[int, DeliveryReport, str], Awaitable[None]]


class Outbox:
    """Implements the desk's RelayOutbox port, and runs the delivering worker."""

    def __init__(self, engine: AsyncEngine, clock: Clock = utcnow, *, lease: float = 120.0,
                 max_attempts: int = 8, poll: float = 5.0, first_delay: float = 2.0,
                 max_delay: float = 300.0) -> None:
        self.sessions = async_sessionmaker(engine, expire_on_commit=False)
        self._releases = GroupCommit(engine, self._release_batch)
        self.clock = clock
        self.lease = dt.timedelta(seconds=lease)
        self.max_attempts = max_attempts
        self.poll = poll
        self.first_delay, self.max_delay = first_delay, max_delay
        self.deliverers: dict[str, Deliverer] = {}
        self.reporter: Reporter | None = None
        self._wake = asyncio.Event()
        self._lanes: dict[str, asyncio.Task[None]] = {}
        self._task: asyncio.Task[None] | None = None
        self._stopping = False

    def register(self, destination: str, deliverer: Deliverer) -> None:
        """`consultants`, or a user channel ("telegram", "whatsapp")."""
        self.deliverers[destination] = deliverer

    # -- the port ---------------------------------------------------------
    async def put(self, relay: Relay) -> int:
        now = self.clock()
        status = INTERNAL if relay.direction is Direction.NOTE else PENDING
        async with self.sessions.begin() as session:
            row_id = (await session.execute(insert(messages).values(
                ticket_id=relay.ticket_id, direction=relay.direction.value, kind=relay.kind.value,
                author=relay.author[:256], text=relay.text, payload=payload_of(relay), status=status,
                attempts=0, next_attempt_at=now, claim="", external_id="", error="",
                created_at=now).returning(messages.c.id))).scalar_one()
        if status == PENDING:
            self._wake.set()
        return int(row_id)

    async def release_held(self, channel: str, chat_id: str) -> int:
        """The user wrote again: replies held for their closed window go out now; returns how many.

        Every inbound WhatsApp message asks, so concurrent asks share one UPDATE (group commit).
        """
        released = await self._releases.submit((channel, chat_id))
        if released:
            self._wake.set()
        return released

    def _release_batch(self, conn: Connection, chats: Sequence[tuple[str, str]]) -> list[int]:
        """One UPDATE per channel in the batch; how many replies each (channel, chat) got back."""
        released: Counter[tuple[str, str]] = Counter()
        for channel in {channel for channel, _chat in chats}:
            chat_ids = [chat for kind, chat in chats if kind == channel]
            released.update((channel, chat) for chat in self._release_held_of(conn, channel, chat_ids))
        return [released[chat] for chat in chats]

    def _release_held_of(self, conn: Connection, channel: str, chat_ids: list[str]) -> list[str]:
        """Held replies to these chats go back to pending; the chat of each one released.

        The chats are looked up only when something was held (rarely): SQLite's RETURNING
        cannot read the tickets of an UPDATE ... FROM.
        """
        tickets = select(tickets_table.c.id).where(tickets_table.c.channel == channel,
                                                   tickets_table.c.chat_id.in_(chat_ids))
        ticket_ids = list(conn.execute(update(messages).where(
            messages.c.status == HELD, messages.c.direction == Direction.TO_USER.value,
            messages.c.ticket_id.in_(tickets)).values(status=PENDING, next_attempt_at=self.clock())
            .returning(messages.c.ticket_id)).scalars())
        if not ticket_ids:
            return []
        owners = dict(conn.execute(select(tickets_table.c.id, tickets_table.c.chat_id).where(
            tickets_table.c.id.in_(set(ticket_ids)))).all())
        return [owners[ticket_id] for ticket_id in ticket_ids]

    # -- delivering ---------------------------------------------------------
    async def drain(self) -> None:
        """Deliver everything due now, including what the deliveries queue (tests, shutdown)."""
        while True:
            started = await self._cycle()
            if self._lanes:
                await asyncio.gather(*self._lanes.values(), return_exceptions=True)
            elif not started:
                return

    async def _cycle(self) -> int:
        """Start a lane for each destination with open rows and no lane running; returns how many.

        A destination is the consultants' group, or one user's chat: a slow or rate-limited one
        (the group's 20 posts a minute) never holds up the messages to the others.
        """
        now = self.clock()
        async with self.sessions.begin() as session:  # claims of dead workers go back to the queue
            await session.execute(update(messages).where(
                messages.c.status == SENDING, messages.c.claimed_at < now - self.lease).values(status=PENDING))
            rows = (await session.execute(
                select(TicketMessage, TicketRow).join(TicketRow, TicketRow.id == TicketMessage.ticket_id)
                .where(TicketMessage.status.in_((PENDING, SENDING))).order_by(TicketMessage.id)
                .limit(BATCH))).all()
        lanes: dict[str, list[tuple[TicketMessage, Ticket]]] = {}
        due: set[str] = set()  # destinations where the first open row of some conversation is due
        heads: set[tuple[int, str]] = set()
        for row, ticket_row in rows:
            ticket = to_ticket(ticket_row)
            destination = _destination(row, ticket)
            lanes.setdefault(destination, []).append((row, ticket))
            if (row.ticket_id, row.direction) in heads:
                continue
            heads.add((row.ticket_id, row.direction))
            if row.status == PENDING and aware(row.next_attempt_at) <= now and self._deliverer(row, ticket):
                due.add(destination)
        started = 0
        for destination, items in lanes.items():
            if destination in due and destination not in self._lanes:
                task = asyncio.create_task(self._lane(now, items))
                self._lanes[destination] = task
                task.add_done_callback(lambda _task, key=destination: self._lane_done(key))
                started += 1
        return started

    def _deliverer(self, row: TicketMessage, ticket: Ticket) -> Deliverer | None:
        return self.deliverers.get(CONSULTANTS if row.direction == Direction.TO_CONSULTANTS.value
                                   else ticket.channel.value)

    def _lane_done(self, destination: str) -> None:
        self._lanes.pop(destination, None)
        self._wake.set()  # rows put for this destination while its lane ran are due now

    async def _lane(self, now: dt.datetime, items: list[tuple[TicketMessage, Ticket]]) -> None:
        """One destination's open rows in order; a conversation's later rows wait for one held back."""
        blocked: set[tuple[int, str]] = set()
        try:
            for row, ticket in items:
                key = (row.ticket_id, row.direction)
                if key in blocked:
                    continue
                deliverer = self._deliverer(row, ticket)
                claim = None
                if row.status == PENDING and aware(row.next_attempt_at) <= now and deliverer is not None:
                    claim = await self._claim(row.id, now)
                if deliverer is None or claim is None:
                    blocked.add(key)  # later messages of this conversation wait for this one
                    continue
                delivery = delivery_of(row, ticket)
                outcome = await self._attempt(deliverer, delivery)
                await self._settle(row, claim, delivery, outcome)
                if outcome.status in ("retry", "unavailable"):
                    blocked.add(key)
        except Exception as exc:  # the database is away: the next pass comes back to these rows
            log.warning("relay outbox lane failed: %r", exc)

    async def _claim(self, row_id: int, now: dt.datetime) -> str | None:
        token = uuid.uuid4().hex
        async with self.sessions.begin() as session:
            result = await session.execute(update(messages).where(
                messages.c.id == row_id, messages.c.status == PENDING, messages.c.next_attempt_at <= now)
                .values(status=SENDING, claim=token, claimed_at=now, attempts=messages.c.attempts + 1))
        return token if result.rowcount == 1 else None

    @staticmethod
    async def _attempt(deliverer: Deliverer, delivery: Delivery) -> Outcome:
        try:
            return await deliverer(delivery)
        except Exception as exc:  # a bug or an outage in one delivery must not stop the others
            log.exception("relay message %s: delivery raised", delivery.id)
            return Outcome.retry(f"{exc.__class__.__name__}: {exc}")

    def _backoff(self, attempt: int) -> float:
        return min(self.first_delay * 2 ** (attempt - 1), self.max_delay)

    async def _settle(self, row: TicketMessage, claim: str, delivery: Delivery, outcome: Outcome) -> None:
        now = self.clock()
        report: tuple[DeliveryReport, str] | None = None
        if outcome.status == "sent":
            values: dict[str, Any] = {"status": SENT, "delivered_at": now,
                                      "external_id": outcome.external_id[:128], "error": ""}
            if row.held_at is not None:
                report = (DeliveryReport.DELIVERED_AFTER_HOLD, "")
        elif outcome.status == "held":
            values = {"status": HELD, "held_at": now, "error": outcome.error}
            report = (outcome.report or DeliveryReport.HELD_NO_TEMPLATE, outcome.error)
        elif outcome.status == "unavailable":  # the destination is down: wait, uncounted and unreported
            values = {"status": PENDING, "attempts": messages.c.attempts - 1, "error": outcome.error,
                      "next_attempt_at": now + dt.timedelta(seconds=outcome.retry_after or self.max_delay)}
        elif outcome.status == "retry" and delivery.attempt < self.max_attempts:
            wait = outcome.retry_after if outcome.retry_after is not None else self._backoff(delivery.attempt)
            values = {"status": PENDING, "next_attempt_at": now + dt.timedelta(seconds=wait),
                      "error": outcome.error}
            log.warning("relay message %s: attempt %d failed, next in %.0f s: %s",
                        row.id, delivery.attempt, wait, outcome.error)
        else:
            values = {"status": FAILED, "error": outcome.error or "gave up"}
            report = (DeliveryReport.FAILED, outcome.error)
            log.error("relay message %s failed for good: %s", row.id, outcome.error)
        async with self.sessions.begin() as session:
            await session.execute(update(messages).where(
                messages.c.id == row.id, messages.c.status == SENDING, messages.c.claim == claim).values(**values))
        if report and row.direction == Direction.TO_USER.value and self.reporter is not None:
            await self.reporter(row.ticket_id, *report)

    # -- the worker of `serve` ------------------------------------------------
    def start(self) -> None:
        self._stopping = False
        self._task = asyncio.create_task(passes(self._cycle, self._wake, self.poll, "relay outbox",
                                                lambda: not self._stopping), name="relay-outbox")

    async def stop(self, timeout: float = 10.0) -> None:
        """Let the lanes under way finish (bounded), then stop; pending rows wait for the next start."""
        self._stopping = True
        self._wake.set()
        tasks = [task for task in (self._task, *self._lanes.values()) if task is not None]
        if tasks:
            _done, late = await asyncio.wait(tasks, timeout=timeout)
            for task in late:
                task.cancel()
            await asyncio.gather(*late, return_exceptions=True)
        self._task = None



def _destination(row: TicketMessage, ticket: Ticket) -> str:
    """The lane of a message: the consultants' group, or the user's own chat."""
    if row.direction == Direction.TO_CONSULTANTS.value:
        return CONSULTANTS
    return f"{ticket.channel.value}:{ticket.chat_id}"
