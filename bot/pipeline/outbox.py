"""The relay outbox: every message of a ticket is stored first; those for the consultants are posted here.

The desk `put`s a message (user -> consultants, consultant -> user, a note) as a row of
`ticket_messages`, the ticket's transcript (`bot.pipeline.relay_table`: the SQL and the
claims). A consultant's message to a user goes to the user's chat lane, with the desk's own
messages to that chat (`Outbound.put_relay`): one path per destination. What is left here
is the consultants' group: one lane, paced at the group's 20 posts a minute, whose posts
are shaped (`shape` and `merge`: a user's texts that wait are merged into one post), so
a busy group never holds up a reply to a user. The deliverer answers sent, retry
(Telegram 429 with its retry_after, 5xx, network), unavailable (the group itself is down:
kept pending, uncounted) or failed; retries follow the policy of every outbound message
(`RetryPolicy`). Rows survive restarts.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from bot.db.models import TicketMessage, aware, utcnow
from bot.pipeline import relay_table as table
from bot.pipeline.outbound import Outbound
from bot.pipeline.outcome import Outcome
from bot.pipeline.relay_rows import Delivery, delivery_of
from bot.pipeline.relay_table import FAILED, PENDING, SENT, Row, messages
from bot.pipeline.retry import RetryPolicy
from bot.pipeline.ticks import passes
from handlers.ports import Clock, Direction, Relay

__all__ = ["Deliverer", "Delivery", "Outbox", "Outcome"]
log = logging.getLogger(__name__)
Deliverer = Callable[[Delivery], Awaitable[Outcome]]
Shape = Callable[[Sequence[Row]], list[list[Row]]]  # the group's due rows -> posts, in order
Merge = Callable[[list[Row]], Delivery]  # one post's rows -> the delivery handed to the deliverer


def singly(rows: Sequence[Row]) -> list[list[Row]]:
    """Each row a post of its own."""
    return [[row] for row in rows]


def alone(post: list[Row]) -> Delivery:
    [(row, ticket)] = post
    return delivery_of(row, ticket)


class Outbox:
    """Implements the desk's RelayOutbox port, and runs the consultants' group's lane."""

    def __init__(self, engine: AsyncEngine, clock: Clock = utcnow, *, deliver: Deliverer | None = None,
                 users: Outbound | None = None, lease: float = 120.0, policy: RetryPolicy | None = None,
                 poll: float = 5.0, shape: Shape = singly, merge: Merge = alone) -> None:
        """`deliver`: the consultants' group's deliverer (None: their rows wait); `users`: the lanes of the
        users' chats, where consultants' messages to users go; `shape`, `merge`: the shaping step
        (`bot.pipeline.relay_posts`), by default each row alone."""
        self.sessions = async_sessionmaker(engine, expire_on_commit=False)
        self.clock = clock
        self.deliver = deliver
        self.users = users
        self.lease = dt.timedelta(seconds=lease)
        self.policy = policy or RetryPolicy(first_delay=2.0)
        self.poll = poll
        self.shape, self.merge = shape, merge
        self._next_requeue = dt.datetime.min.replace(tzinfo=dt.UTC)
        self._wake = asyncio.Event()
        self._lane: asyncio.Task[None] | None = None
        self._task: asyncio.Task[None] | None = None
        self._stopping = False

    # -- the port ---------------------------------------------------------
    async def put(self, relay: Relay) -> int:
        if relay.direction is Direction.TO_USER:
            if self.users is None:
                raise RuntimeError("an Outbox without the users' lanes cannot relay to a user")
            return await self.users.put_relay(relay)
        async with self.sessions.begin() as session:
            row_id, status = await table.put(session, relay, self.clock())
        if status == PENDING:
            self._wake.set()
        return row_id

    # -- delivering ---------------------------------------------------------
    async def drain(self) -> None:
        """Deliver everything due now, including what the deliveries queue (tests, shutdown)."""
        while True:
            started = await self._cycle()
            if self._lane is not None:
                await asyncio.gather(self._lane, return_exceptions=True)
            elif not started:
                return

    async def _cycle(self) -> int:
        """Start the group's lane when a row is due and the lane is not running; returns 1 if started.

        The lane sends one post and ends, so what arrived while it waited for the group's pace joins
        the next post.
        """
        if self._lane is not None or self.deliver is None:
            return 0
        now = self.clock()
        if now >= self._next_requeue:  # the claims of dead workers go back to the queue (not on every put)
            async with self.sessions.begin() as session:
                await table.requeue_stale(session, now - self.lease)
            self._next_requeue = now + self.lease / 4
        async with self.sessions() as session:  # read apart: no write lock held while reading (SQLite)
            rows = await table.open_rows(session)
        sendable = self._sendable(rows, now)
        if not sendable:
            return 0
        self._lane = asyncio.create_task(self._post(now, sendable))
        self._lane.add_done_callback(self._lane_done)
        return 1

    def _lane_done(self, _task: asyncio.Task[None]) -> None:
        self._lane = None
        self._wake.set()  # rows put while the lane ran are due now

    async def _post(self, now: dt.datetime, rows: list[Row]) -> None:
        """The next post of the group's due rows: claimed, delivered, settled."""
        try:
            post = self.shape(rows)[0]
            claims = await self._claim(post, now)
            if claims is None:  # taken elsewhere: the next pass looks again
                return
            delivery = self.merge(post)
            outcome = await self._attempt(delivery)
            await self._settle(post, claims, delivery, outcome)
        except Exception as exc:  # the database is away: the next pass comes back to these rows
            log.warning("relay outbox lane failed: %r", exc)

    @staticmethod
    def _sendable(items: Sequence[Row], now: dt.datetime) -> list[Row]:
        """The rows that may go now: each conversation's rows up to the first that must wait."""
        waiting: set[tuple[int, str]] = set()
        sendable = []
        for row, ticket in items:
            key = (row.ticket_id, row.direction)
            if key in waiting or row.status != PENDING or aware(row.next_attempt_at) > now:
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

    async def _attempt(self, delivery: Delivery) -> Outcome:
        if self.deliver is None:
            return Outcome.unavailable("no deliverer for the consultants")
        try:
            return await self.deliver(delivery)
        except Exception as exc:  # a bug or an outage in one delivery must not stop the others
            log.exception("relay message %s: delivery raised", delivery.id)
            return Outcome.retry(f"{exc.__class__.__name__}: {exc}")

    async def _settle(self, post: list[Row], tokens: list[str], delivery: Delivery, outcome: Outcome) -> None:
        """The outcome of one post for each of its rows, in one transaction."""
        async with self.sessions.begin() as session:
            for (row, _ticket), token in zip(post, tokens, strict=True):
                await table.settle(session, row.id, token, self._after(row, delivery, outcome))

    def _after(self, row: TicketMessage, delivery: Delivery, outcome: Outcome) -> dict[str, Any]:
        """The row's new values after a try. Retries follow the one policy of every outbound message
        (`RetryPolicy`): waiting for a group that is down (`unavailable`) uses up no attempt and runs
        no deadline."""
        now = self.clock()
        if outcome.status == "sent":
            return {"status": SENT, "delivered_at": now, "external_id": outcome.external_id[:128], "error": ""}
        wait = self.policy.wait(outcome, delivery.attempt, aware(row.created_at) + self.policy.deadline, now)
        if wait is None:
            log.error("relay message %s failed for good: %s", row.id, outcome.error)
            return {"status": FAILED, "error": outcome.error or "gave up"}
        values: dict[str, Any] = {"status": PENDING, "next_attempt_at": now + dt.timedelta(seconds=wait),
                                  "error": outcome.error}
        if outcome.status == "unavailable":
            values["attempts"] = messages.c.attempts - 1
        else:
            log.warning("relay message %s: attempt %d failed, next in %.0f s: %s",
                        row.id, delivery.attempt, wait, outcome.error)
        return values

    # -- the worker of `serve` ------------------------------------------------
    def start(self) -> None:
        self._stopping = False
        self._task = asyncio.create_task(passes(self._cycle, self._wake, self.poll, "relay outbox",
                                                lambda: not self._stopping), name="relay-outbox")

    async def stop(self, timeout: float = 10.0) -> None:
        """Let the lanes under way finish (bounded), then stop; pending rows wait for the next start."""
        self._stopping = True
        self._wake.set()
        tasks = [task for task in (self._task, self._lane) if task is not None]
        if tasks:
            _done, late = await asyncio.wait(tasks, timeout=timeout)
            for task in late:
                task.cancel()
            await asyncio.gather(*late, return_exceptions=True)
        self._task = None

