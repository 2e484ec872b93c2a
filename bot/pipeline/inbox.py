"""The durable inbox: store a webhook delivery first, acknowledge, then process.

Both webhooks use it. `accept()` commits the payload (or finds it is a
duplicate) before the HTTP handler answers 200; a worker task then claims the
row and runs the channel's processor. Several instances may share one database:
each delivery is stored once, claimed once, and a chat's deliveries are handled
in arrival order (`bot.pipeline.inbox_table`). A claim older than the lease
belongs to a dead instance and is taken over by the periodic sweep; a restarted
instance takes its own back at once. A processing error caused by the database or
the network hands the row back (retried a second later); any other fails it.

At most `max_in_flight` deliveries are worked on in memory at once: beyond it a
delivery is stored and acknowledged but left pending, and picked up from the
table as the work drains. Stores, claims and outcomes of concurrent deliveries
share transactions (group commit, `bot.db.batch`); stores have a lane of their
own, since the webhook's 200 waits on them.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import socket
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.db.batch import GroupCommit
from bot.db.models import utcnow
from bot.ops.metrics import Metrics
from bot.pipeline import edge, inbox_table, jsonio
from bot.pipeline.faults import is_transient
from bot.pipeline.inbox_table import MAX_ATTEMPTS, OPEN, Arrival, Claim, Claims, Outcome, events, is_open

log = logging.getLogger(__name__)
Processor = Callable[[dict[str, Any]], Awaitable[None]]
ACKNOWLEDGEMENTS = "acknowledgements"  # the group-commit lane of the stores, which a 200 waits on
# A chat's next message waits this long, step by step, for the instance holding the previous one.
BLOCKED_RETRIES = (0.05, 0.1, 0.2, 0.4, 0.8, 1.6)
# Writing the outcome is retried through a short database outage rather than redone later.
FINISH_RETRIES = (0.5, 1.0, 2.0, 4.0, 8.0)
SWEEP_BATCH = 500
MAX_IN_FLIGHT = 1000  # deliveries worked on in memory at once (each holds its payload and a task)
REFILL_PAUSE = 0.5  # seconds before an idle inbox looks again for deliveries deferred during a fetch
RETRY_PAUSE = 1.0  # seconds before work handed back by a transient failure is looked for again

__all__ = ["MAX_ATTEMPTS", "Inbox", "instance_name"]


def instance_name(instance_id: str, port: int, worker: int | None = None) -> str:
    """This instance's identity in the inbox's claims: DESK_INSTANCE_ID, else host:port (stable
    across restarts of one deployment), and the worker's number under `serve --workers N`."""
    name = instance_id or f"{socket.gethostname()}:{port}"
    return name if worker is None else f"{name}/{worker}"


class Inbox:
    """Stores deliveries and runs each channel's processor on them, once."""

    def __init__(self, engine: AsyncEngine, metrics: Metrics | None = None, *, lease: float = 300.0,
                 max_in_flight: int = MAX_IN_FLIGHT, owner: str = "") -> None:
        """`owner`: this instance's identity (DESK_INSTANCE_ID), the same after a restart; by
        default one of its own, which no other instance shares."""
        self.engine = engine
        self.metrics = metrics or Metrics()
        self.claims = Claims(owner or f"inbox-{uuid.uuid4().hex[:12]}", dt.timedelta(seconds=lease))
        self.max_in_flight = max_in_flight
        self._backlog = False  # stored deliveries were left pending for want of room
        self._refill: asyncio.Task[None] | None = None
        self._retry: asyncio.TimerHandle | None = None
        self.processors: dict[str, Processor] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._inflight: set[int] = set()
        self._chat_locks: dict[str, asyncio.Lock] = {}
        self._stores = GroupCommit(engine, inbox_table.store, lane=ACKNOWLEDGEMENTS, one_statement=True)
        self._claims = GroupCommit(engine, self.claims.claim)
        self._outcomes = GroupCommit(engine, inbox_table.record_outcomes)

    def register(self, channel: str, processor: Processor) -> None:
        self.processors[channel] = processor

    async def accept(self, channel: str, event_key: str, payload: dict[str, Any],
                     order_key: str = "") -> bool:
        """Store a delivery durably and schedule it; False when it is a duplicate.

        Deliveries with the same `order_key` (one chat) are processed one after another.
        Concurrent deliveries share one INSERT transaction (group commit); this returns
        only after it committed. A database error propagates: the webhook answers 503
        and the platform retries. Text is cleaned here for the database (`bot.pipeline.edge`);
        ids too long for their columns are refused (False, with a log line).
        """
        event_key, order_key = edge.clean_text(event_key), edge.clean_text(order_key)
        if problem := edge.oversize(event_key, order_key):
            log.warning("inbox: refused a %s delivery with %s", channel, problem)
            self.metrics.refused.labels(channel).inc()
            return False
        payload, encoded = edge.storable(payload)
        stored = await self._stores.submit(Arrival(channel, event_key, order_key, encoded))
        if stored is None:
            self.metrics.duplicates.labels(channel).inc()
            return False
        self.metrics.updates.labels(channel).inc()
        if not self._backlog and len(self._inflight) < self.max_in_flight:
            self._spawn(stored, channel, payload, order_key)
        else:  # stored and acknowledged; taken from the table, oldest first, as the work drains
            self._backlog = True
            self._refill_if_room()
        return True

    def _spawn(self, event_id: int, channel: str, payload: dict[str, Any], order_key: str) -> None:
        if event_id in self._inflight:
            return
        self._inflight.add(event_id)
        task = asyncio.create_task(self._in_order(event_id, channel, payload, order_key))
        self._tasks.add(task)

        def done(task: asyncio.Task[None]) -> None:
            self._tasks.discard(task)
            self._inflight.discard(event_id)
            self._refill_if_room()

        task.add_done_callback(done)

    def _refill_if_room(self) -> None:
        """Fetch what was left pending once half the room is free (one fetch at a time)."""
        if not self._backlog or len(self._inflight) > self.max_in_flight // 2:
            return
        if self._refill is not None and not self._refill.done():
            return
        self._backlog = False
        self._refill = asyncio.create_task(self._refill_from_table())
        self._tasks.add(self._refill)  # drain() waits for it too
        self._refill.add_done_callback(self._refilled)

    def _refilled(self, refill: asyncio.Task[None]) -> None:
        self._tasks.discard(refill)
        if not self._inflight:  # no finishing work will ask again for what was deferred meanwhile
            asyncio.get_running_loop().call_later(REFILL_PAUSE, self._refill_if_room)

    async def _refill_from_table(self) -> None:
        try:
            await self.sweep()
        except Exception as exc:  # the database is away: look again soon
            log.warning("inbox: picking up the backlog failed: %r", exc)
            self._retry_soon()

    def _retry_soon(self) -> None:
        """Work was handed back (or could not be fetched) for a transient reason: look for it
        again in a moment (once, however many asked), not only at the next periodic sweep."""
        if self._retry is None:
            self._retry = asyncio.get_running_loop().call_later(RETRY_PAUSE, self._retry_now)

    def _retry_now(self) -> None:
        self._retry = None
        self._backlog = True
        self._refill_if_room()

    async def _in_order(self, event_id: int, channel: str, payload: dict[str, Any],
                        order_key: str) -> None:
        lock = self._chat_locks.setdefault(order_key, asyncio.Lock()) if order_key else None
        try:
            if lock is None:
                await self._process(event_id, channel, payload)
            else:
                async with lock:
                    await self._process(event_id, channel, payload)
        except Exception as exc:  # the database is away: the row stays open, this instance's own
            log.warning("inbox: %s event %s left for later: %r", channel, event_id, exc)
            self._retry_soon()
        finally:
            if lock is not None and not lock.locked() and self._chat_locks.get(order_key) is lock:
                del self._chat_locks[order_key]

    async def _process(self, event_id: int, channel: str, payload: dict[str, Any]) -> None:
        claim = await self._claim(event_id)
        for delay in BLOCKED_RETRIES:
            if claim is not Claim.BLOCKED:
                break
            await asyncio.sleep(delay)
            claim = await self._claim(event_id)
        if claim is not Claim.OWNED:
            return  # taken elsewhere, or still blocked: the sweep comes back to it
        outcome = Outcome(event_id, inbox_table.DONE)
        try:
            await self.processors[channel](payload)
        except asyncio.CancelledError:
            await self._release(event_id)
            raise
        except Exception as exc:  # one bad update must not stop the others
            outcome = self._failure(channel, event_id, exc)
        await self._finish(outcome)
        self.metrics.processed.labels(channel, outcome.status).inc()
        if outcome.status == inbox_table.RETRY:
            self._retry_soon()

    @staticmethod
    def _failure(channel: str, event_id: int, exc: Exception) -> Outcome:
        """A database or network away: tried again (uncounted); anything else fails for good."""
        error = f"{exc.__class__.__name__}: {exc}"[:2000]
        if is_transient(exc):
            log.warning("processing %s event %s hit a transient error, it stays pending: %s",
                        channel, event_id, error)
            return Outcome(event_id, inbox_table.RETRY, error)
        log.exception("processing %s event %s failed", channel, event_id)
        return Outcome(event_id, inbox_table.FAILED, error)

    async def _claim(self, event_id: int) -> Claim:
        """pending (or stale) -> processing, counting the attempt; shared with concurrent claims."""
        return await self._claims.submit(event_id)

    async def _finish(self, outcome: Outcome) -> None:
        for delay in (*FINISH_RETRIES, None):
            try:
                await self._outcomes.submit(outcome)
                return
            except Exception:
                if delay is None:
                    raise
                await asyncio.sleep(delay)

    async def _release(self, event_id: int) -> None:
        """Hand a claim back (shutdown cancelled the work), so the next start takes it at once."""
        with contextlib.suppress(Exception):
            async with self.engine.begin() as conn:
                await conn.execute(update(events).where(
                    events.c.id == event_id, events.c.status == "processing").values(status="pending"))

    async def sweep(self) -> int:
        """Schedule the open deliveries nobody is working on, as many as there is room for;
        returns how many were scheduled.

        Rows that used up their attempts are failed here, so they no longer hold
        back their chat.
        """
        now = utcnow()
        async with self.engine.begin() as conn:
            await conn.execute(update(events).where(
                is_open(events.c.status), events.c.attempts >= MAX_ATTEMPTS,
                or_(events.c.status == "pending",
                    and_(events.c.status == "processing", events.c.processed_at < now - self.claims.lease)),
            ).values(status="failed", error=f"gave up after {MAX_ATTEMPTS} attempts", processed_at=now))
            rows = (await conn.execute(
                select(events.c.id, events.c.channel, events.c.payload, events.c.order_key)
                .where(self.claims.claimable(now)).order_by(events.c.id).limit(SWEEP_BATCH))).all()
        fresh = [row for row in rows if row.channel in self.processors and row.id not in self._inflight]
        room = max(self.max_in_flight - len(self._inflight), 0)
        if len(fresh) > room or len(rows) == SWEEP_BATCH:
            self._backlog = True  # more is waiting than this pass may take
        for row in fresh[:room]:
            self._spawn(row.id, row.channel, jsonio.loads(row.payload), row.order_key)
        return min(len(fresh), room)

    async def recover(self) -> int:
        """At start-up: schedule every delivery left open (after a crash or a restart)."""
        return await self.sweep()

    async def sweep_forever(self, interval: float) -> None:
        """The background loop of `serve`; an outage only delays it."""
        while True:
            await asyncio.sleep(interval)
            try:
                await self.sweep()
            except Exception as exc:
                log.warning("inbox sweep failed: %r", exc)

    async def refresh_depth(self) -> None:
        """Set the inbox depth gauge (called before each metrics scrape)."""
        async with self.engine.connect() as conn:
            counts = dict((await conn.execute(select(events.c.status, func.count()).where(
                is_open(events.c.status)).group_by(events.c.status))).all())
        for status in OPEN:
            self.metrics.inbox_depth.labels(status).set(counts.get(status, 0))

    async def drain(self, timeout: float | None = None) -> int:
        """Wait for the deliveries being processed (graceful shutdown, tests).

        After `timeout` seconds the rest are cancelled and handed back as pending;
        returns how many were.
        """
        loop = asyncio.get_running_loop()
        deadline = None if timeout is None else loop.time() + timeout
        while self._tasks:
            left = None if deadline is None else deadline - loop.time()
            if left is not None and left <= 0:
                break
            await asyncio.wait(list(self._tasks), timeout=left)
        unfinished = list(self._tasks)
        for task in unfinished:
            task.cancel()
        await asyncio.gather(*unfinished, return_exceptions=True)
        return len(unfinished)
