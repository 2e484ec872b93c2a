"""The sending half of the outbound scheduler: one lane per destination, each message sent once.

A lane sends one chat's messages in order, from memory (handed over by the writer that
stored them) or from the table when older ones wait there (`bot.pipeline.outbound_table`).
Each chat is a lane of its own, so a slow or rate-limited chat never delays another's.
Successes are marked sent in batches. A message that must wait (429, 5xx, a timeout:
`RetryPolicy`) goes back to the table with the ones queued behind it, and the lane resumes
from the table when it is due. A message the user cannot take now (`held`) waits for them
to write again; one refused for good fails, with the rest of its answer. Each channel's
send is given at construction; a scheduler reads and sends only its own channels' rows.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import uuid
from collections import deque
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.db.batch import GroupCommit
from bot.db.models import aware, utcnow
from bot.ops.metrics import Metrics
from bot.pipeline import jsonio
from bot.pipeline import outbound_table as table
from bot.pipeline.outbound_table import FAILED, HELD, PENDING, SENDING, SENT, Message
from bot.pipeline.outcome import Outcome
from bot.pipeline.retry import RetryPolicy
from bot.pipeline.ticks import passes
from bot.pipeline.user_relays import UserRelays
from handlers.ports import Clock

log = logging.getLogger(__name__)
Send = Callable[[str, dict[str, Any]], Awaitable[Outcome]]  # (chat id, platform body) -> outcome
Destination = tuple[str, str]  # (channel, chat id)


def always() -> bool:
    return True


def _progress(outcome: Outcome) -> dict[str, str]:
    """The parts of a consultant's message already sent, kept with it so a later try sends only the rest."""
    return {"body": jsonio.dumps({"parts": outcome.parts})} if outcome.parts else {}


class Lanes:
    """Sends stored messages through each channel's `send`, a lane per destination."""

    def __init__(self, engine: AsyncEngine, senders: Mapping[str, Send], *, relays: UserRelays | None = None,
                 active: Callable[[], bool] = always, policy: RetryPolicy | None = None, owner: str = "",
                 poll: float = 1.0, lease: float = 300.0, clock: Clock = utcnow,
                 metrics: Metrics | None = None) -> None:
        """`senders`: each channel's send of a rendered body, by the channel its rows name; `relays`: the
        consultants' replies to users; `active`: whether this instance sends now (the reminders' lease);
        `owner`: this instance's identity, the same after a restart (its rows are taken back at once)."""
        self.engine = engine
        self.senders: Mapping[str, Send] = dict(senders)
        self.channels = tuple(self.senders)
        self.relays = relays
        self.active = active
        self.policy = policy or RetryPolicy()
        self.owner = owner or f"outbound-{uuid.uuid4().hex[:12]}"
        self.poll = poll
        self.lease = dt.timedelta(seconds=lease)
        self.clock = clock
        self.metrics = metrics or Metrics()
        self._marks = GroupCommit(engine, self._mark_batches)
        self._queues: dict[Destination, deque[Message]] = {}
        self._lanes: dict[Destination, asyncio.Task[None]] = {}
        self._waiting: set[Destination] = set()  # destinations with messages waiting in the table
        # Claimed messages the next pass hands back to the table: queued behind older ones that wait,
        # or dropped by a lane while the database was away.
        self._orphans: set[int] = set()
        self._unmarked: list[int] = []  # sent messages not yet recorded sent (the database was away)
        # Consultants' messages whose ending the transcript has not recorded yet (the database was away).
        self._unended: list[tuple[Message, Outcome, str]] = []
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def _mark_batches(self, conn: Connection, batches: Sequence[list[int]]) -> list[None]:
        table.mark_sent(conn, [row_id for batch in batches for row_id in batch], self.clock())
        return [None] * len(batches)

    async def hand_over(self, made: Sequence[Message]) -> None:
        """Send stored messages from memory; those for a destination with older ones waiting
        go back to the table, behind them."""
        behind: list[int] = []
        for message in made:
            if message.destination in self._waiting:
                behind.append(message.id)
            else:
                self._queues.setdefault(message.destination, deque()).append(message)
                self._start(message.destination)
        if behind:
            self._orphans.update(behind)  # handed back to the table by the next pass
            self._wake.set()

    # -- sending ---------------------------------------------------------------
    def _start(self, destination: Destination) -> None:
        if destination not in self._lanes:
            task = asyncio.create_task(self._lane(destination))
            self._lanes[destination] = task
            task.add_done_callback(lambda _task: self._lane_done(destination))

    def _lane_done(self, destination: Destination) -> None:
        self._lanes.pop(destination, None)
        if self._queues.get(destination):  # handed over as the lane ended
            self._start(destination)

    async def _lane(self, destination: Destination) -> None:
        """The destination's messages in order, until one must wait or none is due."""
        sent: list[int] = []
        current: Message | None = None
        try:
            while (current := await self._next(destination)) is not None:
                outcome = await self._attempt(current)
                if outcome.status == "sent":
                    sent.append(current.id)
                    await self._ended(current, outcome, SENT)
                elif not await self._settle(current, outcome):
                    await self._queue_behind(destination)
                    break
        except Exception as exc:  # the database is away: the next pass hands these back to the table
            log.warning("%s: sending to a chat stopped: %r", destination[0], exc)
            dropped = list(self._queues.pop(destination, None) or ())
            if current is not None and current.id not in sent:
                dropped.append(current)  # hand_back touches it only while it is still claimed
            self._orphans.update(message.id for message in dropped)
        finally:
            await self._mark(sent)

    async def _mark(self, sent: list[int]) -> None:
        """Record messages sent (one statement for many lanes' worth); kept for the next pass if the
        database is away, so a restart does not send them again."""
        if not sent:
            return
        try:
            await self._marks.submit(sent)
        except Exception as exc:
            log.warning("recording %d sent messages failed, retried on the next pass: %r", len(sent), exc)
            self._unmarked.extend(sent)

    async def _next(self, destination: Destination) -> Message | None:
        queue = self._queues.get(destination)
        if queue:
            return queue.popleft()
        self._queues.pop(destination, None)
        if destination not in self._waiting:
            return None
        async with self.engine.begin() as conn:
            message, still_open = await table.claim_next(conn, destination, self.owner, self.clock())
        if not still_open:
            self._waiting.discard(destination)
        return message

    async def _attempt(self, message: Message) -> Outcome:
        try:
            if message.relay:
                return await self.relays.send(message) if self.relays else Outcome.unavailable("no relays here")
            return await self.senders[message.channel](message.chat_id, message.body)
        except Exception as exc:  # a bug in one send must not stop the lane for ever
            log.exception("%s: a send raised", message.channel)
            return Outcome.retry(f"{exc.__class__.__name__}: {exc}")

    async def _settle(self, message: Message, outcome: Outcome) -> bool:
        """Record a try that did not send; True when the lane may go on with the next message."""
        now = self.clock()
        if outcome.status == "held":  # the user cannot take it now: kept for when they write again
            async with self.engine.begin() as conn:
                await table.settle(conn, message, {"status": HELD, "error": outcome.error, **_progress(outcome)})
            await self._ended(message, outcome, HELD)
            return True
        wait = self.policy.wait(outcome, message.attempt, message.deadline_at, now)
        if wait is not None:
            self._waiting.add(message.destination)
            log.warning("%s: a message to a chat is tried again in %.0f s: %s", message.channel, wait, outcome.error)
            async with self.engine.begin() as conn:
                await table.settle(conn, message, {"status": PENDING, "error": outcome.error, **_progress(outcome),
                                                   "next_attempt_at": now + dt.timedelta(seconds=wait)})
            return False
        reason = "refused" if outcome.status == "failed" else "deadline"
        dropped = self._drop_rest(message)
        async with self.engine.begin() as conn:
            await table.settle(conn, message, {"status": FAILED, "error": outcome.error or "gave up"})
            for rest in dropped:
                await table.settle(conn, rest, {"status": FAILED, "error": "an earlier part was refused"})
        self.metrics.outbound_errors.labels(message.channel, reason).inc()  # counted once it is recorded
        log.error("%s: message %s to a chat failed for good (%s): %s", message.channel, message.id, reason,
                  outcome.error)
        await self._ended(message, outcome, FAILED)
        return True

    async def _ended(self, message: Message, outcome: Outcome, status: str) -> None:
        """A consultant's message ended: its transcript row says so."""
        if message.relay and self.relays is not None and not await self.relays.ended(message, outcome, status):
            self._unended.append((message, outcome, status))

    def _drop_rest(self, message: Message) -> list[Message]:
        """The rest of a refused answer: sent alone, the later parts would read out of context."""
        queue = self._queues.get(message.destination)
        if not queue or not message.batch:
            return []
        dropped = [m for m in queue if m.batch == message.batch]
        self._queues[message.destination] = deque(m for m in queue if m.batch != message.batch)
        return dropped

    async def _queue_behind(self, destination: Destination) -> None:
        """The messages queued in memory behind one that waits go back to the table, after it."""
        queue = self._queues.pop(destination, None)
        if queue:
            async with self.engine.begin() as conn:
                await table.hand_back(conn, [message.id for message in queue])

    async def _cycle(self) -> int:
        """Start a lane for every destination whose oldest message is due; returns how many started."""
        if not self.active():
            return 0
        now = self.clock()
        unmarked, self._unmarked = self._unmarked, []
        await self._mark(unmarked)
        unended, self._unended = self._unended, []
        for message, outcome, status in unended:
            await self._ended(message, outcome, status)
        orphans = list(self._orphans)
        async with self.engine.begin() as conn:
            await table.hand_back(conn, orphans)
            await table.take_back(conn, None, now - self.lease, self.channels)
            first = await table.heads(conn, self.channels)
        self._orphans.difference_update(orphans)
        # A destination marked waiting stays so while its head is still claimed: the table may have been read
        # before its message went back to pending (else an answer handed over now would overtake it).
        self._waiting = {d for d, row in first.items() if row.status == PENDING
                         or (row.status == SENDING and d in self._waiting)} | (self._waiting & set(self._lanes))
        due = [d for d, row in first.items() if row.status == PENDING and aware(row.next_attempt_at) <= now]
        started = 0
        for destination in due:
            if destination not in self._lanes:
                self._start(destination)
                started += 1
        return started

    async def drain(self) -> None:
        """Send everything due now and wait for the lanes (tests, shutdown). Done only after a look
        at the table that no lane ran through: one ending meanwhile may have made a message due."""
        while True:
            running = list(self._lanes.values())
            if not await self._cycle() and not running and not self._lanes:
                return
            await asyncio.gather(*running, *self._lanes.values(), return_exceptions=True)

    # -- the worker of `serve` ---------------------------------------------------
    async def recover(self) -> None:
        """At start-up: this instance's own claims from before a restart are due at once."""
        async with self.engine.begin() as conn:
            await table.take_back(conn, self.owner, self.clock() - self.lease, self.channels)

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
