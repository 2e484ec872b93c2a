"""The durable inbox: store a webhook delivery first, acknowledge, then process.

Both webhooks use it. `accept()` commits the payload (or finds it is a
duplicate) before the HTTP handler answers 200; a worker task then runs the
channel's processor. Deliveries left `pending` by a crash are processed again
at start-up, so nothing acknowledged is ever lost.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from bot.db.models import InboundEvent, utcnow

log = logging.getLogger(__name__)
Processor = Callable[[dict[str, Any]], Awaitable[None]]
MAX_ATTEMPTS = 5


class Inbox:
    """Stores deliveries and runs each channel's processor on them, once."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.sessions = async_sessionmaker(engine, expire_on_commit=False)
        self.processors: dict[str, Processor] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._chat_locks: dict[str, asyncio.Lock] = {}

    def register(self, channel: str, processor: Processor) -> None:
        self.processors[channel] = processor

    async def accept(self, channel: str, event_key: str, payload: dict[str, Any],
                     order_key: str = "") -> bool:
        """Store a delivery durably and schedule it; False when it is a duplicate.

        Deliveries with the same `order_key` (one chat) are processed one after another.
        """
        try:
            async with self.sessions.begin() as session:
                event = InboundEvent(channel=channel, event_key=event_key, order_key=order_key,
                                     payload=json.dumps(payload, ensure_ascii=False))
                session.add(event)
                await session.flush()
                event_id = event.id
        except IntegrityError:
            return False
        self._spawn(event_id, channel, payload, order_key)
        return True

    def _spawn(self, event_id: int, channel: str, payload: dict[str, Any], order_key: str) -> None:
        task = asyncio.create_task(self._in_order(event_id, channel, payload, order_key))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _in_order(self, event_id: int, channel: str, payload: dict[str, Any],
                        order_key: str) -> None:
        if not order_key:
            await self._process(event_id, channel, payload)
            return
        lock = self._chat_locks.setdefault(order_key, asyncio.Lock())
        try:
            async with lock:
                await self._process(event_id, channel, payload)
        finally:
            if not lock.locked() and self._chat_locks.get(order_key) is lock:
                del self._chat_locks[order_key]

    async def _process(self, event_id: int, channel: str, payload: dict[str, Any]) -> None:
        async with self.sessions.begin() as session:  # counted first: a poison event stops retrying
            await session.execute(update(InboundEvent).where(InboundEvent.id == event_id)
                                  .values(attempts=InboundEvent.attempts + 1))
        status, error = "done", ""
        try:
            await self.processors[channel](payload)
        except Exception as exc:  # one bad update must not stop the others
            log.exception("processing %s event %s failed", channel, event_id)
            status, error = "failed", f"{exc.__class__.__name__}: {exc}"[:2000]
        async with self.sessions.begin() as session:
            await session.execute(update(InboundEvent).where(InboundEvent.id == event_id).values(
                status=status, error=error, processed_at=utcnow()))

    async def recover(self) -> int:
        """Schedule every delivery still pending (after a crash or a restart)."""
        async with self.sessions() as session:
            pending = (await session.scalars(select(InboundEvent).where(
                InboundEvent.status == "pending", InboundEvent.attempts < MAX_ATTEMPTS)
                .order_by(InboundEvent.id))).all()
        for event in pending:
            if event.channel in self.processors:
                self._spawn(event.id, event.channel, json.loads(event.payload), event.order_key)
        return len(pending)

    async def drain(self) -> None:
        """Wait for the deliveries being processed (graceful shutdown, tests)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)
