"""Group commit: concurrent writes share one transaction, each caller awaiting its own result.

Under load most of a short write's cost is the transaction around it (a pooled
connection, BEGIN, COMMIT and their round trips), not the statement. Every
`GroupCommit` of one engine queues its items in one shared queue; a single
flusher writes whatever is waiting, for all of them, in one transaction (each
writer its own multi-row statement), then starts the next with what arrived
meanwhile. So the many small writes of many concurrent updates (inbox rows,
users, questions, contacts, outcomes) cost one commit, not one each.

A caller's `submit` returns only after the transaction holding its item has
committed, so "stored before acknowledged" holds. When a shared transaction
fails, each writer's part is tried again in a transaction of its own: a writer
with a bad batch fails only its own callers (the webhook answers 503 and the
platform delivers again), not every write of the desk; and a writer's batch that fails
alone is tried item by item, so one bad row fails only its own caller.

Writers run in the order they were created, the same in every instance, so
two instances' transactions take their row locks table by table in one order.

Writes that an HTTP acknowledgement waits on go in a lane of their own (`lane=`):
each lane has its own flusher, connection and transactions. The inbox's stores
use one, so a webhook's 200 waits for one short INSERT, not behind a flush of the
processing writes of a hundred other updates. With one lane the platform's
deliveries in flight, divided by that wait, capped the rate (benchmarks/README.md).
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar

from sqlalchemy import Connection
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.db.transactions import Transactions, transactions_for

T = TypeVar("T")
R = TypeVar("R")
# Writes the items in one open transaction; returns one result per item, in order. Synchronous
# SQLAlchemy Core: it runs where the engine's transactions do (bot.db.transactions).
Writer = Callable[[Connection, Sequence[T]], Sequence[R]]
MAX_BATCH = 200  # bounds one statement's parameters (SQLite allows 32,766)
PROCESSING = "processing"  # the default lane: the writes made while handling updates
Batch = list[tuple[Any, "asyncio.Future[Any]"]]


class GroupCommit(Generic[T, R]):
    """One kind of write; its items go out in the engine's shared transactions."""

    def __init__(self, engine: AsyncEngine, writer: Writer[T, R], *, max_batch: int = MAX_BATCH,
                 lane: str = PROCESSING, one_statement: bool | Callable[[Sequence[T]], bool] = False) -> None:
        """`one_statement`: the writer runs a single statement (always, or for the batches this
        says so of), so a flush holding only its items may commit without BEGIN and COMMIT
        (`Transactions.run`)."""
        self.writer = writer
        self.max_batch = max_batch
        self.one_statement = one_statement
        self._queue: Batch = []
        self._commits = _shared(engine, lane)
        self._commits.register(self)

    async def submit(self, item: T) -> R:
        """Write `item` with whatever else is waiting; returns once that transaction committed."""
        future: asyncio.Future[R] = asyncio.get_running_loop().create_future()
        self._queue.append((item, future))
        self._commits.wake()
        return await future

    def _take(self) -> Batch:
        batch, self._queue = self._queue[:self.max_batch], self._queue[self.max_batch:]
        return batch

    def _write(self, conn: Connection, batch: Batch) -> Sequence[Any]:
        return self.writer(conn, [item for item, _ in batch])

    def _single(self, batch: Batch) -> bool:
        """Whether writing `batch` is a single statement (`one_statement`)."""
        if isinstance(self.one_statement, bool):
            return self.one_statement
        return self.one_statement([item for item, _ in batch])


class _SharedCommits:
    """The flusher of one lane of an engine: one transaction at a time, for every GroupCommit of the lane."""

    def __init__(self, transactions: Transactions) -> None:
        self.transactions = transactions
        self._writers: list[weakref.ref[GroupCommit[Any, Any]]] = []
        self._flusher: asyncio.Task[None] | None = None

    def register(self, writer: GroupCommit[Any, Any]) -> None:
        self._writers = [ref for ref in self._writers if ref() is not None]
        self._writers.append(weakref.ref(writer))

    def wake(self) -> None:
        flusher = self._flusher
        if flusher is None or flusher.done() or flusher.get_loop() is not asyncio.get_running_loop():
            self._flusher = asyncio.create_task(self._flush())

    def _waiting(self) -> list[GroupCommit[Any, Any]]:
        return [writer for ref in self._writers if (writer := ref()) is not None and writer._queue]

    async def _flush(self) -> None:
        while waiting := self._waiting():
            batches = [(writer, writer._take()) for writer in waiting]
            try:
                try:
                    await self._commit(batches)
                except Exception as exc:
                    if _connection_lost(exc):  # nobody can write now: no point in trying one by one
                        _fail(batches, exc)
                        continue
                    for writer, batch in batches:  # one writer's bad batch must not fail the others
                        await self._commit_alone(writer, batch)
            except asyncio.CancelledError:  # shutting down: nobody may wait for ever
                while waiting := self._waiting():
                    batches += [(writer, writer._take()) for writer in waiting]
                for _, batch in batches:
                    for _, future in batch:
                        future.cancel()
                raise

    async def _commit(self, batches: list[tuple[GroupCommit[Any, Any], Batch]]) -> None:
        alone = len(batches) == 1 and batches[0][0]._single(batches[0][1])
        results = await self.transactions.run(
            lambda conn: [writer._write(conn, batch) for writer, batch in batches], one_statement=alone)
        for (_, batch), written in zip(batches, results, strict=True):
            _resolve(batch, written)

    async def _commit_alone(self, writer: GroupCommit[Any, Any], batch: Batch) -> None:
        """One writer's batch in a transaction of its own; if that fails too, row by row, so one
        bad item (a character the database refuses) fails its own caller only."""
        try:
            written = await self.transactions.run(lambda conn: writer._write(conn, batch),
                                                  one_statement=writer._single(batch))
        except Exception as exc:
            if len(batch) == 1 or _connection_lost(exc):
                _fail([(writer, batch)], exc)
                return
            for item in batch:
                await self._commit_alone(writer, [item])
            return
        _resolve(batch, written)


def _connection_lost(exc: Exception) -> bool:
    """The database is out of reach (refused, reset, timed out), not unhappy with one statement."""
    if isinstance(exc, DBAPIError):
        return exc.connection_invalidated
    return isinstance(exc, (OSError, TimeoutError, PoolTimeout))


def _fail(batches: Sequence[tuple[Any, Batch]], exc: Exception) -> None:
    for _, batch in batches:
        for _, future in batch:
            if not future.done():
                future.set_exception(exc)


def _resolve(batch: Batch, results: Sequence[Any]) -> None:
    for (_, future), result in zip(batch, results, strict=True):
        if not future.done():
            future.set_result(result)


_ENGINES: weakref.WeakKeyDictionary[AsyncEngine, dict[str, _SharedCommits]] = weakref.WeakKeyDictionary()


def _shared(engine: AsyncEngine, lane: str) -> _SharedCommits:
    """The flusher of the engine's lane, made on first use; the lanes of an engine share where
    their transactions run (on SQLite, one writer whatever the lane)."""
    lanes = _ENGINES.setdefault(engine, {})
    if lane not in lanes:
        others = next(iter(lanes.values()), None)
        lanes[lane] = _SharedCommits(others.transactions if others else transactions_for(engine))
    return lanes[lane]
