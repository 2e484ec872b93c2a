"""The relay outbox: every message of a ticket is stored first, then delivered exactly once.

The desk `put`s a message (user -> consultants, consultant -> user) as a `pending` row of
`ticket_messages` (`bot.pipeline.relay_table`: the SQL and the claims); this is the scheduler.
The channel's deliverer answers sent, retry (Telegram 429 with its retry_after, 5xx, network;
Graph 429/5xx), held (WhatsApp window closed), unavailable (the destination itself is down:
kept pending, uncounted) or failed. Retries follow the policy of every outbound message
(`RetryPolicy`: 429s waited out, other errors backed off until the delivery deadline).
Rows survive restarts.

Each destination (the consultants' group, each user's chat) is a lane of its own, so a slow
one never holds up the others; within it, messages of one ticket in one direction go out in
order: a row waiting for a retry holds back the rows after it. What goes out next to a
destination is `shape`'s to say: by default each row alone; a shaping step may merge a
conversation's waiting rows into one post (`merge` builds its delivery).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from bot.db.batch import GroupCommit
from bot.db.models import TicketMessage, aware, utcnow
from bot.pipeline import relay_table as table
from bot.pipeline.outcome import Outcome
from bot.pipeline.relay_rows import Delivery, delivery_of
from bot.pipeline.relay_table import FAILED, HELD, PENDING, SENT, Row, messages
from bot.pipeline.retry import RetryPolicy
from bot.pipeline.ticks import passes
from handlers.ports import Clock, DeliveryReport, Direction, Relay, Ticket

__all__ = ["CONSULTANTS", "Deliverer", "Delivery", "Outbox", "Outcome"]
log = logging.getLogger(__name__)
CONSULTANTS = "consultants"  # the deliverer of everything for the consultants' workspace
Deliverer = Callable[[Delivery], Awaitable[Outcome]]
Reporter = Callable[[int, DeliveryReport, str], Awaitable[None]]
Shape = Callable[[Sequence[Row]], list[list[Row]]]  # a destination's due rows -> posts, in order
Merge = Callable[[list[Row]], Delivery]  # one post's rows -> the delivery handed to the deliverer


def singly(rows: Sequence[Row]) -> list[list[Row]]:
    """Each row a post of its own."""
    return [[row] for row in rows]


def alone(post: list[Row]) -> Delivery:
    [(row, ticket)] = post
    return delivery_of(row, ticket)


class Outbox:
    """Implements the desk's RelayOutbox port, and runs the delivering worker."""

    def __init__(self, engine: AsyncEngine, clock: Clock = utcnow, *, lease: float = 120.0,
                 policy: RetryPolicy | None = None, poll: float = 5.0, shape: Shape = singly,
                 merge: Merge = alone, reporter: Reporter | None = None) -> None:
        """`shape`, `merge`: the shaping step (`bot.pipeline.relay_posts`); by default each row alone.
        `reporter`: told what became of a message for a user that did not simply go out."""
        self.sessions = async_sessionmaker(engine, expire_on_commit=False)
        self._releases = GroupCommit(engine, self._release_batch)
        self.clock = clock
        self.lease = dt.timedelta(seconds=lease)
        self.policy = policy or RetryPolicy(first_delay=2.0)
        self.poll = poll
        self.shape, self.merge = shape, merge
        self._next_requeue = dt.datetime.min.replace(tzinfo=dt.UTC)
        self.deliverers: dict[str, Deliverer] = {}
        self.reporter = reporter
        self._wake = asyncio.Event()
        self._lanes: dict[str, asyncio.Task[None]] = {}
        self._task: asyncio.Task[None] | None = None
        self._stopping = False

    def register(self, destination: str, deliverer: Deliverer) -> None:
        """`consultants`, or a user channel ("telegram", "whatsapp")."""
        self.deliverers[destination] = deliverer

    # -- the port ---------------------------------------------------------
    async def put(self, relay: Relay) -> int:
        async with self.sessions.begin() as session:
            row_id, status = await table.put(session, relay, self.clock())
        if status == PENDING:
            self._wake.set()
        return row_id

    async def release_held(self, channel: str, chat_id: str) -> int:
        """The user wrote again: replies held for their closed window go out now; returns how many.

        Every inbound WhatsApp message asks, so concurrent asks share one UPDATE (group commit).
        """
        released = await self._releases.submit((channel, chat_id))
        if released:
            self._wake.set()
        return released

    def _release_batch(self, conn: Connection, chats: Sequence[tuple[str, str]]) -> list[int]:
        return table.release_batch(conn, chats, self.clock())

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
        """Start a lane for each destination with a due row and no lane running; returns how many.

        A destination is the consultants' group, or one user's chat: a slow or rate-limited one
        (the group's 20 posts a minute) never holds up the messages to the others.
        """
        now = self.clock()
        if now >= self._next_requeue:  # the claims of dead workers go back to the queue (not on every put)
            async with self.sessions.begin() as session:
                await table.requeue_stale(session, now - self.lease)
            self._next_requeue = now + self.lease / 4
        async with self.sessions() as session:  # read apart: no write lock held while reading (SQLite)
            rows = await table.open_rows(session, self._directions_to_look_at())
        lanes: dict[str, list[Row]] = {}
        due: set[str] = set()  # destinations where the first open row of some conversation is due
        heads: set[tuple[int, str]] = set()
        for row, ticket in rows:
            destination = _destination(row, ticket)
            lanes.setdefault(destination, []).append((row, ticket))
            if (row.ticket_id, row.direction) not in heads:
                heads.add((row.ticket_id, row.direction))
                if self._ready(row, ticket, now):
                    due.add(destination)
        started = 0
        for destination in due - set(self._lanes):
            task = asyncio.create_task(self._lane(now, lanes[destination], destination == CONSULTANTS))
            self._lanes[destination] = task
            task.add_done_callback(lambda _task, key=destination: self._lane_done(key))
            started += 1
        return started

    def _directions_to_look_at(self) -> tuple[str, ...]:
        """The group's rows only when its lane is not running (it reads them afresh when it ends), and
        each direction read apart: the group's backlog never hides a reply to a user."""
        if CONSULTANTS in self._lanes:
            return (Direction.TO_USER.value,)
        return Direction.TO_CONSULTANTS.value, Direction.TO_USER.value

    def _deliverer(self, row: TicketMessage, ticket: Ticket) -> Deliverer | None:
        return self.deliverers.get(CONSULTANTS if row.direction == Direction.TO_CONSULTANTS.value
                                   else ticket.channel.value)

    def _ready(self, row: TicketMessage, ticket: Ticket, now: dt.datetime) -> bool:
        return row.status == PENDING and aware(row.next_attempt_at) <= now and self._deliverer(row, ticket) is not None

    def _lane_done(self, destination: str) -> None:
        self._lanes.pop(destination, None)
        self._wake.set()  # rows put for this destination while its lane ran are due now

    async def _lane(self, now: dt.datetime, items: list[Row], one_post: bool = False) -> None:
        """One destination's due rows in order, post by post; a conversation's later rows wait for one
        held back. `one_post`: the group's lane sends one post and looks again (its pace is slow: what
        arrived while it waited joins the next post)."""
        blocked: set[tuple[int, str]] = set()
        try:
            posts = self.shape(self._sendable(items, now))
            for post in posts[:1] if one_post else posts:
                row, ticket = post[0]
                key = (row.ticket_id, row.direction)
                if key in blocked:
                    continue
                claims = await self._claim(post, now)
                if claims is None:
                    blocked.add(key)  # taken elsewhere: later messages of this conversation wait for it
                    continue
                delivery = self.merge(post)
                outcome = await self._attempt(self._deliverer(row, ticket), delivery)
                await self._settle(post, claims, delivery, outcome)
                if outcome.status in ("retry", "unavailable"):
                    blocked.add(key)
        except Exception as exc:  # the database is away: the next pass comes back to these rows
            log.warning("relay outbox lane failed: %r", exc)

    def _sendable(self, items: list[Row], now: dt.datetime) -> list[Row]:
        """The rows that may go now: each conversation's rows up to the first that must wait."""
        waiting: set[tuple[int, str]] = set()
        sendable = []
        for row, ticket in items:
            key = (row.ticket_id, row.direction)
            if key in waiting or not self._ready(row, ticket, now):
                waiting.add(key)
            else:
                sendable.append((row, ticket))
        return sendable

    async def _claim(self, post: list[Row], now: dt.datetime) -> list[str] | None:
        """Claim every row of a post, or none (a row another worker took hands the rest back)."""
        async with self.sessions.begin() as session:
            tokens = [await table.claim(session, row.id, now) for row, _ticket in post]
            if any(token is None for token in tokens):
                await session.rollback()
                return None
        return [token for token in tokens if token is not None]

    @staticmethod
    async def _attempt(deliverer: Deliverer | None, delivery: Delivery) -> Outcome:
        if deliverer is None:
            return Outcome.unavailable("no deliverer for this destination")
        try:
            return await deliverer(delivery)
        except Exception as exc:  # a bug or an outage in one delivery must not stop the others
            log.exception("relay message %s: delivery raised", delivery.id)
            return Outcome.retry(f"{exc.__class__.__name__}: {exc}")

    async def _settle(self, post: list[Row], tokens: list[str], delivery: Delivery, outcome: Outcome) -> None:
        """The outcome of one post for each of its rows, in one transaction."""
        settled = [(row, *self._after(row, delivery, outcome)) for row, _ticket in post]
        async with self.sessions.begin() as session:
            for (row, values, _report), token in zip(settled, tokens, strict=True):
                await table.settle(session, row.id, token, values)
        for row, _values, report in settled:
            if report and row.direction == Direction.TO_USER.value and self.reporter is not None:
                await self.reporter(row.ticket_id, *report)

    def _after(self, row: TicketMessage, delivery: Delivery,
               outcome: Outcome) -> tuple[dict[str, Any], tuple[DeliveryReport, str] | None]:
        """The row's new values after a try, and what the consultant is told of it (if anything).

        Retries follow the one policy of every outbound message (`RetryPolicy`): waiting for a
        destination that is down (`unavailable`) uses up no attempt and runs no deadline."""
        now = self.clock()
        if outcome.status == "sent":
            report = (DeliveryReport.DELIVERED_AFTER_HOLD, "") if row.held_at is not None else None
            return {"status": SENT, "delivered_at": now, "external_id": outcome.external_id[:128], "error": ""}, report
        if outcome.status == "held":
            return ({"status": HELD, "held_at": now, "error": outcome.error},
                    (outcome.report or DeliveryReport.HELD_NO_TEMPLATE, outcome.error))
        wait = self.policy.wait(outcome, delivery.attempt, aware(row.created_at) + self.policy.deadline, now)
        if wait is None:
            log.error("relay message %s failed for good: %s", row.id, outcome.error)
            return {"status": FAILED, "error": outcome.error or "gave up"}, (DeliveryReport.FAILED, outcome.error)
        values: dict[str, Any] = {"status": PENDING, "next_attempt_at": now + dt.timedelta(seconds=wait),
                                  "error": outcome.error}
        if outcome.status == "unavailable":
            values["attempts"] = messages.c.attempts - 1
        else:
            log.warning("relay message %s: attempt %d failed, next in %.0f s: %s",
                        row.id, delivery.attempt, wait, outcome.error)
        return values, None

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
