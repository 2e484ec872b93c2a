"""Group commit: concurrent callers share one transaction, each awaiting its own result.

Under load most of a short write's cost is the transaction around it (a pooled
connection, BEGIN, COMMIT and the round trips), not the statement. A
`GroupCommit` queues the items submitted while its previous transaction runs
and writes them all in the next one, so N concurrent webhook requests cost one
commit instead of N. A caller's `submit` returns only after the transaction
holding its item has committed, so "stored before acknowledged" still holds; if
that transaction fails, every caller in it gets the exception (the webhook
answers 503 and the platform delivers again).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

T = TypeVar("T")
R = TypeVar("R")
# Writes the items in one open transaction; returns one result per item, in order.
Writer = Callable[[AsyncConnection, Sequence[T]], Awaitable[Sequence[R]]]
MAX_BATCH = 200  # bounds one statement's parameters (SQLite allows 32,766)


class GroupCommit(Generic[T, R]):
    """One writer task at a time; what arrives meanwhile waits for the next transaction."""

    def __init__(self, engine: AsyncEngine, writer: Writer[T, R], *, max_batch: int = MAX_BATCH) -> None:
        self.engine = engine
        self.writer = writer
        self.max_batch = max_batch
        self._queue: list[tuple[T, asyncio.Future[R]]] = []
        self._flusher: asyncio.Task[None] | None = None

    async def submit(self, item: T) -> R:
        """Write `item` with whatever else is waiting; returns once that transaction committed."""
        future: asyncio.Future[R] = asyncio.get_running_loop().create_future()
        self._queue.append((item, future))
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush())
        return await future

    async def _flush(self) -> None:
        while self._queue:
            batch, self._queue = self._queue[:self.max_batch], self._queue[self.max_batch:]
            try:
                async with self.engine.begin() as conn:
                    results = await self.writer(conn, [item for item, _ in batch])
            except asyncio.CancelledError:  # shutting down: nobody may wait for ever
                for _, future in (*batch, *self._queue):
                    future.cancel()
                self._queue = []
                raise
            except Exception as exc:
                for _, future in batch:
                    if not future.done():
                        future.set_exception(exc)
                continue
            for (_, future), result in zip(batch, results, strict=True):
                if not future.done():
                    future.set_result(result)
