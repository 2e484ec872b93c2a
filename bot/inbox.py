"""The durable inbox: store a webhook delivery first, acknowledge, then process.

Both webhooks use it. `accept()` commits the payload (or finds it is a
duplicate) before the HTTP handler answers 200; a worker task then claims the
row and runs the channel's processor. Several instances may share one database:

- the unique (channel, event_key) makes a delivery to two instances stored once;
- a worker claims a row with one conditional UPDATE (pending -> processing), so
  only one instance ever processes it, on SQLite and PostgreSQL alike;
- a chat's deliveries are claimed in arrival order: a row is not claimable while
  an earlier one of the same chat is still open, whichever instance holds it;
- a claim older than the lease belongs to a dead instance and is taken over by
  the periodic sweep, which also picks up rows left pending by a crash or an
  outage. `processed_at` holds the claim time while a row is `processing`.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import enum
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import and_, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.db.models import InboundEvent, utcnow
from bot.metrics import Metrics

log = logging.getLogger(__name__)
Processor = Callable[[dict[str, Any]], Awaitable[None]]
MAX_ATTEMPTS = 5
OPEN = ("pending", "processing")
# A chat's next message waits this long, step by step, for the instance holding the previous one.
BLOCKED_RETRIES = (0.05, 0.1, 0.2, 0.4, 0.8, 1.6)
# Writing the outcome is retried through a short database outage rather than redone later.
FINISH_RETRIES = (0.5, 1.0, 2.0, 4.0, 8.0)
SWEEP_BATCH = 500
events = InboundEvent.__table__
earlier = events.alias("earlier")  # built once: the claim's statement is then compiled once, from cache


class Claim(enum.Enum):
    OWNED = "owned"      # this worker processes it
    TAKEN = "taken"      # done, failed or held by another instance: nothing to do
    BLOCKED = "blocked"  # an earlier message of the chat is still open


class Inbox:
    """Stores deliveries and runs each channel's processor on them, once."""

    def __init__(self, engine: AsyncEngine, metrics: Metrics | None = None, *,
                 lease: float = 300.0) -> None:
        self.engine = engine
        self.metrics = metrics or Metrics()
        self.lease = dt.timedelta(seconds=lease)
        self.processors: dict[str, Processor] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._inflight: set[int] = set()
        self._chat_locks: dict[str, asyncio.Lock] = {}

    def register(self, channel: str, processor: Processor) -> None:
        self.processors[channel] = processor

    async def accept(self, channel: str, event_key: str, payload: dict[str, Any],
                     order_key: str = "") -> bool:
        """Store a delivery durably and schedule it; False when it is a duplicate.

        Deliveries with the same `order_key` (one chat) are processed one after another.
        A database error propagates: the webhook answers 503 and the platform retries.
        """
        try:
            async with self.engine.begin() as conn:
                event_id = (await conn.execute(insert(events).values(
                    channel=channel, event_key=event_key, order_key=order_key,
                    payload=json.dumps(payload, ensure_ascii=False)).returning(events.c.id))).scalar_one()
        except IntegrityError:
            self.metrics.duplicates.labels(channel).inc()
            return False
        self.metrics.updates.labels(channel).inc()
        self._spawn(event_id, channel, payload, order_key)
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

        task.add_done_callback(done)

    async def _in_order(self, event_id: int, channel: str, payload: dict[str, Any],
                        order_key: str) -> None:
        lock = self._chat_locks.setdefault(order_key, asyncio.Lock()) if order_key else None
        try:
            if lock is None:
                await self._process(event_id, channel, payload, order_key)
            else:
                async with lock:
                    await self._process(event_id, channel, payload, order_key)
        except Exception as exc:  # the database is away: the row stays open for the sweep
            log.warning("inbox: %s event %s left for later: %r", channel, event_id, exc)
        finally:
            if lock is not None and not lock.locked() and self._chat_locks.get(order_key) is lock:
                del self._chat_locks[order_key]

    async def _process(self, event_id: int, channel: str, payload: dict[str, Any],
                       order_key: str) -> None:
        claim = await self._claim(event_id, channel, order_key)
        for delay in BLOCKED_RETRIES:
            if claim is not Claim.BLOCKED:
                break
            await asyncio.sleep(delay)
            claim = await self._claim(event_id, channel, order_key)
        if claim is not Claim.OWNED:
            return  # taken elsewhere, or still blocked: the sweep comes back to it
        status, error = "done", ""
        try:
            await self.processors[channel](payload)
        except asyncio.CancelledError:
            await self._release(event_id)
            raise
        except Exception as exc:  # one bad update must not stop the others
            log.exception("processing %s event %s failed", channel, event_id)
            status, error = "failed", f"{exc.__class__.__name__}: {exc}"[:2000]
        await self._finish(event_id, status, error)
        self.metrics.processed.labels(channel, status).inc()
        log.debug("inbox: %s event %s %s", channel, event_id, status)

    def _claimable(self, now: dt.datetime) -> Any:
        stale = now - self.lease
        return and_(events.c.attempts < MAX_ATTEMPTS, or_(
            events.c.status == "pending",
            and_(events.c.status == "processing", events.c.processed_at < stale)))

    async def _claim(self, event_id: int, channel: str, order_key: str) -> Claim:
        """pending (or stale) -> processing, counting the attempt; one UPDATE, so one winner."""
        now = utcnow()
        conditions = [events.c.id == event_id, self._claimable(now)]
        if order_key:
            conditions.append(~select(earlier.c.id).where(
                earlier.c.channel == channel, earlier.c.order_key == order_key, earlier.c.id < event_id,
                earlier.c.status.in_(OPEN)).exists())
        async with self.engine.begin() as conn:
            claimed = await conn.execute(update(events).where(*conditions).values(
                status="processing", attempts=events.c.attempts + 1, processed_at=now))
            if claimed.rowcount == 1:
                return Claim.OWNED
            if not order_key:
                return Claim.TAKEN
            still_open = await conn.scalar(select(func.count()).select_from(events).where(
                events.c.id == event_id, self._claimable(now)))
        return Claim.BLOCKED if still_open else Claim.TAKEN

    async def _finish(self, event_id: int, status: str, error: str) -> None:
        for delay in (*FINISH_RETRIES, None):
            try:
                async with self.engine.begin() as conn:
                    await conn.execute(update(events).where(events.c.id == event_id).values(
                        status=status, error=error, processed_at=utcnow()))
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
        """Schedule every open delivery nobody is working on; returns how many were found.

        Rows that used up their attempts are failed here, so they no longer hold
        back their chat.
        """
        now = utcnow()
        async with self.engine.begin() as conn:
            await conn.execute(update(events).where(
                events.c.attempts >= MAX_ATTEMPTS,
                or_(events.c.status == "pending",
                    and_(events.c.status == "processing", events.c.processed_at < now - self.lease)),
            ).values(status="failed", error=f"gave up after {MAX_ATTEMPTS} attempts", processed_at=now))
            rows = (await conn.execute(
                select(events.c.id, events.c.channel, events.c.payload, events.c.order_key)
                .where(self._claimable(now)).order_by(events.c.id).limit(SWEEP_BATCH))).all()
        found = 0
        for row in rows:
            if row.channel in self.processors and row.id not in self._inflight:
                self._spawn(row.id, row.channel, json.loads(row.payload), row.order_key)
                found += 1
        return found

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
                events.c.status.in_(OPEN)).group_by(events.c.status))).all())
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
