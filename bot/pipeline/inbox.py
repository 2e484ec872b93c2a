"""The durable inbox's scheduler: store a webhook delivery first, acknowledge, then process.

Both webhooks use it. `accept()` commits the payload (or finds it is a duplicate)
through the table (`bot.pipeline.inbox_table`) before the HTTP handler answers 200;
a worker task then runs the channel's processor on the row, claimed in the transaction
that stored it when there was room to process it at once, else by the task. Several
instances may share one database: each delivery is stored once, claimed once, and a
chat's deliveries are handled in arrival order. A claim older than the lease belongs
to a dead instance and is taken over by the periodic sweep; a restarted instance takes
its own back at once. A processing error caused by the database or the network hands
the row back (retried a second later); any other fails it. The
messages a processor puts are written with its outcome (`Outbound`): an update is done
exactly when its answer is stored.

This module keeps the tasks: per-chat locks, at most `max_in_flight` deliveries in
memory (beyond it a delivery is stored and acknowledged but left pending, and picked up
from the table as the work drains), the backlog, the sweep and the drain.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from bot.ops.metrics import Metrics
from bot.pipeline import edge, inbox_table, jsonio
from bot.pipeline.faults import is_transient
from bot.pipeline.inbox_table import MAX_ATTEMPTS, Arrival, Claim, InboxTable, Outcome
from bot.pipeline.outbound import Outbound

log = logging.getLogger(__name__)
Processor = Callable[[dict[str, Any]], Awaitable[None]]
# A chat's next message waits this long, step by step, for the instance holding the previous one.
BLOCKED_RETRIES = (0.05, 0.1, 0.2, 0.4, 0.8, 1.6)
# Writing the outcome is retried through a short database outage rather than redone later.
FINISH_RETRIES = (0.5, 1.0, 2.0, 4.0, 8.0)
SWEEP_BATCH = 500
MAX_IN_FLIGHT = 1000  # deliveries worked on in memory at once (each holds its payload and a task)
REFILL_PAUSE = 0.5  # seconds before an idle inbox looks again for deliveries deferred during a fetch
RETRY_PAUSE = 1.0  # seconds before work handed back by a transient failure is looked for again

__all__ = ["MAX_ATTEMPTS", "Inbox", "Processor"]


class Inbox:
    """Stores deliveries and runs each channel's processor on them, once."""

    def __init__(self, table: InboxTable, processors: Mapping[str, Processor], metrics: Metrics | None = None,
                 *, max_in_flight: int = MAX_IN_FLIGHT, outbound: Outbound | None = None) -> None:
        """`processors`: each channel's, by the channel name its webhook stores deliveries under.
        `outbound`: where the messages a processor puts are sent from; they are stored with the
        update's outcome (the table's `keep`)."""
        self.table = table
        self.processors = processors
        self.metrics = metrics or Metrics()
        self.max_in_flight = max_in_flight
        self._backlog = False  # stored deliveries were left pending for want of room
        self._refill: asyncio.Task[None] | None = None
        self._retry: asyncio.TimerHandle | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._inflight: set[int] = set()
        self._reserved = 0  # room kept for deliveries being stored, to be processed at once
        self._unstarted: set[int] = set()  # claimed with their store, their task not yet begun
        self._chat_locks: dict[str, tuple[asyncio.Lock, list[int]]] = {}  # the lock, and its users
        self.outbound = outbound

    async def accept(self, channel: str, event_key: str, payload: dict[str, Any],
                     order_key: str = "") -> bool:
        """Store a delivery durably and schedule it; False when it is a duplicate.

        Deliveries with the same `order_key` (one chat) are processed one after another.
        Concurrent deliveries share one INSERT (group commit); this returns only after it
        committed. A database error propagates: the webhook answers 503
        and the platform retries. Text is cleaned here for the database (`bot.pipeline.edge`);
        ids too long for their columns are refused (False, with a log line).
        """
        event_key, order_key = edge.clean_text(event_key), edge.clean_text(order_key)
        if problem := edge.oversize(event_key, order_key):
            log.warning("inbox: refused a %s delivery with %s", channel, problem)
            self.metrics.refused.labels(channel).inc()
            return False
        payload, encoded = edge.storable(payload)
        arrival = Arrival(channel, event_key, order_key, encoded)
        if self._backlog or len(self._inflight) + self._reserved >= self.max_in_flight:
            if await self.table.store(arrival) is None:
                return self._duplicate(channel)
            self._backlog = True  # stored and acknowledged; taken from the table, oldest first, as the work drains
            self._refill_if_room()
        else:  # room is kept for it while it is stored, and claimed in the same transaction
            self._reserved += 1
            try:
                stored = await self.table.store_and_claim(arrival)
            finally:
                self._reserved -= 1
            if stored is None:
                return self._duplicate(channel)
            self._spawn(stored[0], channel, payload, order_key, claimed=stored[1] is Claim.OWNED)
        self.metrics.updates.labels(channel).inc()
        return True

    def _duplicate(self, channel: str) -> bool:
        self.metrics.duplicates.labels(channel).inc()
        return False

    def _spawn(self, event_id: int, channel: str, payload: dict[str, Any], order_key: str,
               claimed: bool = False) -> None:
        """`claimed`: the row was claimed with its store (else the task claims it first)."""
        if event_id in self._inflight:
            return
        self._inflight.add(event_id)
        if claimed:
            self._unstarted.add(event_id)
        task = asyncio.create_task(self._in_order(event_id, channel, payload, order_key, claimed))
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
                        order_key: str, claimed: bool) -> None:
        self._unstarted.discard(event_id)
        lock, users = self._chat_locks.setdefault(order_key, (asyncio.Lock(), [0])) if order_key else (None, [0])
        users[0] += 1
        try:
            if lock is None:
                await self._process(event_id, channel, payload, claimed)
            else:
                await self._wait_turn(lock, event_id, claimed)
                try:
                    await self._process(event_id, channel, payload, claimed)
                finally:
                    lock.release()
        except Exception as exc:  # the database is away: the row stays open, this instance's own
            log.warning("inbox: %s event %s left for later: %r", channel, event_id, exc)
            self._retry_soon()
        finally:
            users[0] -= 1
            if lock is not None and not users[0]:  # a lock just released looks free while waiters queue
                del self._chat_locks[order_key]

    async def _wait_turn(self, lock: asyncio.Lock, event_id: int, claimed: bool) -> None:
        """The chat's earlier messages in this instance go first; a row claimed with its store
        goes back to pending if shutdown comes meanwhile."""
        try:
            await lock.acquire()
        except asyncio.CancelledError:
            if claimed:
                await self._release(event_id)
            raise

    async def _claim(self, event_id: int) -> Claim:
        claim = await self.table.claim(event_id)
        for delay in BLOCKED_RETRIES:
            if claim is not Claim.BLOCKED:
                break
            await asyncio.sleep(delay)
            claim = await self.table.claim(event_id)
        return claim

    async def _process(self, event_id: int, channel: str, payload: dict[str, Any], claimed: bool) -> None:
        if not claimed and await self._claim(event_id) is not Claim.OWNED:
            return  # taken elsewhere, or still blocked: the sweep comes back to it
        # The messages the processor puts are written with its outcome, then sent.
        with self.outbound.collecting() if self.outbound else contextlib.nullcontext([]) as made:
            try:
                await self.processors[channel](payload)
                outcome = Outcome(event_id, inbox_table.DONE, messages=made)
            except asyncio.CancelledError:
                await self._release(event_id)
                raise
            except Exception as exc:  # one bad update must not stop the others
                outcome = self._failure(channel, event_id, exc)
        await self._finish(outcome)
        if outcome.messages and self.outbound is not None:
            await self.outbound.hand_over(outcome.messages)
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

    async def _finish(self, outcome: Outcome) -> None:
        for delay in (*FINISH_RETRIES, None):
            try:
                await self.table.record(outcome)
                return
            except Exception:
                if delay is None:
                    raise
                await asyncio.sleep(delay)

    async def _release(self, event_id: int) -> None:
        with contextlib.suppress(Exception):  # at worst the row waits for the lease
            await self.table.release(event_id)

    async def sweep(self) -> int:
        """Schedule the open deliveries nobody is working on, as many as there is room for;
        returns how many were scheduled."""
        rows = await self.table.open_rows(SWEEP_BATCH)
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
        for status, count in (await self.table.depth()).items():
            self.metrics.inbox_depth.labels(status).set(count)

    async def drain(self, timeout: float | None = None) -> int:
        """Wait for the deliveries being processed (graceful shutdown, tests); after `timeout` seconds
        the rest are cancelled and handed back as pending. Returns how many were."""
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
        for event_id in list(self._unstarted):  # cancelled before they began: nothing else hands them back
            await self._release(event_id)
        self._unstarted.clear()
        if self.outbound is not None and timeout is None:  # tests: the answers made are sent too
            await self.outbound.drain()
        return len(unfinished)
