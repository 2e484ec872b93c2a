"""Desk messages a platform did not take at once, kept in the database and sent again until a deadline.

A reply is first sent at once, inline (the usual case, no extra write). When the
platform answers 429, 5xx or not in time, that message and the ones after it are
written to `outbound_messages` before the update is recorded done, and go out
from here: 429s waited out however long `retry_after` is, other transient errors
with back-off, until the deadline (DESK_DELIVERY_DEADLINE_HOURS); then the message
is recorded failed, logged and counted. Each chat is a lane of its own: one slow or
rate-limited chat never delays another's messages, and a chat's messages keep
their order (a new reply to a chat with messages waiting joins the queue).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.db.models import OutboundMessage, aware, utcnow
from bot.ops.metrics import Metrics
from bot.pipeline import jsonio
from bot.pipeline.outcome import Outcome
from bot.pipeline.ticks import passes
from handlers.ports import Clock

log = logging.getLogger(__name__)
Send = Callable[[str, dict[str, Any]], Awaitable[Outcome]]  # (chat id, platform body) -> outcome
Lane = tuple[str, str]  # (channel, chat id)
messages = OutboundMessage.__table__
BATCH = 500
PENDING, SENDING, SENT, FAILED = "pending", "sending", "sent", "failed"


@dataclass(frozen=True)
class Kept:
    """A kept message claimed for one try."""

    id: int
    channel: str
    body: str  # JSON
    attempt: int
    deadline_at: dt.datetime
    claim: str


class Outbound:
    """Stores what could not go out, and runs one lane per chat until it has."""

    def __init__(self, engine: AsyncEngine, *, deadline: float = 24 * 3600.0, first_delay: float = 1.0,
                 max_delay: float = 300.0, poll: float = 1.0, lease: float = 120.0, clock: Clock = utcnow,
                 metrics: Metrics | None = None) -> None:
        self.engine = engine
        self.deadline = dt.timedelta(seconds=deadline)
        self.first_delay, self.max_delay = first_delay, max_delay
        self.poll = poll
        self.lease = dt.timedelta(seconds=lease)
        self.clock = clock
        self.metrics = metrics or Metrics()
        self.senders: dict[str, Send] = {}
        self._waiting: set[Lane] = set()  # chats with messages in the table: new replies queue behind them
        self._lanes: dict[Lane, asyncio.Task[None]] = {}
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def register(self, channel: str, send: Send) -> None:
        self.senders[channel] = send

    def holds(self, channel: str, chat_id: str) -> bool:
        """Messages to this chat are waiting: a new one must queue behind them."""
        return (channel, chat_id) in self._waiting

    async def put(self, channel: str, chat_id: str, bodies: Sequence[dict[str, Any]],
                  after: float | None = None, error: str = "") -> None:
        """Keep these messages to one chat, in order, for a first try in `after` seconds."""
        if not bodies:
            return
        now = self.clock()
        first = now + dt.timedelta(seconds=self.first_delay if after is None else after)
        async with self.engine.begin() as conn:
            await conn.execute(insert(messages), [
                {"channel": channel, "chat_id": chat_id, "body": jsonio.dumps(body), "status": PENDING,
                 "attempts": 0, "next_attempt_at": first, "deadline_at": now + self.deadline, "claim": "",
                 "error": error[:2000], "created_at": now} for body in bodies])
        self._waiting.add((channel, chat_id))
        log.warning("%s: %d message(s) to a chat kept for a later try: %s", channel, len(bodies), error)
        self._wake.set()

    # -- delivering ---------------------------------------------------------
    async def drain(self) -> None:
        """Send everything due now and wait for the lanes (tests, shutdown)."""
        while await self._cycle() or self._lanes:
            await asyncio.gather(*self._lanes.values(), return_exceptions=True)

    async def _cycle(self) -> int:
        """Start a lane for every chat with messages due and none running; returns how many started."""
        now = self.clock()
        async with self.engine.begin() as conn:  # claims of dead workers go back to the queue
            await conn.execute(update(messages).where(
                messages.c.status == SENDING, messages.c.claimed_at < now - self.lease).values(status=PENDING))
            rows = (await conn.execute(
                select(messages.c.channel, messages.c.chat_id, messages.c.status, messages.c.next_attempt_at)
                .where(messages.c.status.in_((PENDING, SENDING))).order_by(messages.c.id).limit(BATCH))).all()
        first: dict[Lane, Any] = {}  # each chat's next message: the later ones wait for it
        for row in rows:
            first.setdefault((row.channel, row.chat_id), row)
        self._waiting = set(first) | set(self._lanes)
        due = [lane for lane, row in first.items() if row.status == PENDING and aware(row.next_attempt_at) <= now]
        started = 0
        for lane in due:
            if lane not in self._lanes and lane[0] in self.senders:
                task = asyncio.create_task(self._lane(lane))
                self._lanes[lane] = task
                task.add_done_callback(lambda _task, lane=lane: self._lanes.pop(lane, None))
                started += 1
        return started

    async def _lane(self, lane: Lane) -> None:
        """One chat's due messages in order; stops at the first that must wait."""
        channel, chat_id = lane
        try:
            while (row := await self._claim_next(channel, chat_id)) is not None:
                outcome = await self._attempt(self.senders[channel], chat_id, row)
                if not await self._settle(row, outcome):
                    return
            self._waiting.discard(lane)
        except Exception as exc:  # the database is away: the next cycle comes back to this chat
            log.warning("%s: sending kept messages failed: %r", channel, exc)

    async def _claim_next(self, channel: str, chat_id: str) -> Kept | None:
        now = self.clock()
        async with self.engine.begin() as conn:
            row = (await conn.execute(select(messages).where(
                messages.c.channel == channel, messages.c.chat_id == chat_id,
                or_(messages.c.status == PENDING, messages.c.status == SENDING))
                .order_by(messages.c.id).limit(1))).first()
            if row is None or row.status != PENDING or aware(row.next_attempt_at) > now:
                return None
            claim = uuid.uuid4().hex
            claimed = await conn.execute(update(messages).where(
                messages.c.id == row.id, messages.c.status == PENDING).values(
                status=SENDING, claim=claim, claimed_at=now, attempts=messages.c.attempts + 1))
        if claimed.rowcount != 1:
            return None
        return Kept(row.id, channel, row.body, row.attempts + 1, aware(row.deadline_at), claim)

    @staticmethod
    async def _attempt(send: Send, chat_id: str, row: Kept) -> Outcome:
        try:
            return await send(chat_id, jsonio.loads(row.body))
        except Exception as exc:  # a bug in one send must not stop the lane for ever
            log.exception("%s: sending a kept message raised", row.channel)
            return Outcome.retry(f"{exc.__class__.__name__}: {exc}")

    def backoff(self, tries: int) -> float:
        """The pause after `tries` kept tries failed (the first pause, after the inline try, is first_delay)."""
        return min(self.first_delay * 2 ** tries, self.max_delay)

    async def _settle(self, row: Kept, outcome: Outcome) -> bool:
        """Record the outcome; True when the lane may go on with the chat's next message."""
        now = self.clock()
        values: dict[str, Any]
        if outcome.status == "sent":
            values = {"status": SENT, "sent_at": now, "error": ""}
        elif outcome.status == "unavailable" or (outcome.status == "retry" and now < row.deadline_at):
            wait = outcome.retry_after if outcome.retry_after is not None else self.backoff(row.attempt)
            values = {"status": PENDING, "next_attempt_at": now + dt.timedelta(seconds=wait), "error": outcome.error}
            self.metrics.outbound_retries.labels(row.channel, "kept").inc()
        else:
            values = {"status": FAILED, "error": outcome.error or "gave up"}
            reason = "refused" if outcome.status == "failed" else "deadline"
            self.metrics.outbound_errors.labels(row.channel, reason).inc()
            log.error("%s: message %s to a chat failed for good: %s", row.channel, row.id, outcome.error)
        async with self.engine.begin() as conn:
            await conn.execute(update(messages).where(messages.c.id == row.id, messages.c.claim == row.claim)
                               .values(**values))
        return values["status"] != PENDING

    # -- the worker of `serve` ------------------------------------------------
    def start(self) -> None:
        self._task = asyncio.create_task(passes(self._cycle, self._wake, self.poll, "outbound"), name="outbound")

    async def stop(self, timeout: float = 10.0) -> None:
        """Stop looking for due messages; lanes under way may finish within `timeout`."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        lanes = list(self._lanes.values())
        if lanes:
            _done, late = await asyncio.wait(lanes, timeout=timeout)
            for task in late:
                task.cancel()

