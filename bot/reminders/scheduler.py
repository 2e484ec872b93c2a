"""The sender's tick: hold the lease, store each due reminder once per user, hand the new ones to the outbox.

A due reminder (`knowledge.calendar`) becomes one `sent_reminders` row per
subscriber of its stream (and region), inserted with ON CONFLICT DO NOTHING on
the unique (event, occurrence, offset, user): however many instances or ticks
see it due, each user gets one row. Rows are stored `new`, then handed to the
outbox and marked `queued` in one transaction per batch (`bot.reminders.queue`);
a sender that died in between leaves them `new`, and the next holder of the lease
hands them over. Reminders reach only the users who subscribed before the
reminder's send time.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, DateTime, String, and_, false, literal, or_, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.db.dialect import insert_on_conflict
from bot.db.models import User, WhatsAppDeliveryFailure
from bot.reminders.deliver import DELIVERED, FAILED, NEW
from bot.reminders.lease import Lease
from bot.reminders.queue import ReminderQueue
from bot.reminders.source import CalendarSource
from bot.reminders.store import SqlSubscriptionStore
from bot.reminders.tables import ReminderSubscription, SentReminder
from handlers.ports import Clock
from knowledge.calendar import Due, Event

log = logging.getLogger(__name__)
UNDELIVERABLE = 131026
sent, users, subscriptions = SentReminder.__table__, User.__table__, ReminderSubscription.__table__
failures = WhatsAppDeliveryFailure.__table__


def subscribers(event: Event, channels: tuple[str, ...]) -> list[ColumnElement[bool]]:
    """Who a reminder of `event` is for: active subscribers of its stream on a running channel,
    of every region when they chose so, else of the event's regions (a national event: everyone)."""
    where = [subscriptions.c.stream == event.stream, subscriptions.c.stopped_at.is_(None),
             users.c.channel.in_(channels)]
    if event.regions:
        where.append(or_(subscriptions.c.own_region == false(), users.c.region.in_(sorted(event.regions))))
    return where


class Scheduler:
    def __init__(self, engine: AsyncEngine, calendar: CalendarSource, lease: Lease, queue: ReminderQueue,
                 clock: Clock, zone: ZoneInfo, at: dt.time, tick: float) -> None:
        self.engine = engine
        self.calendar = calendar
        self.lease = lease
        self.queue = queue
        self.clock = clock
        self.zone = zone
        self.at = at
        self.every = tick
        self.stops = SqlSubscriptionStore(engine, clock)
        self._task: asyncio.Task[None] | None = None

    async def tick(self) -> int:
        """One pass; returns how many reminders were handed to the outbox (0 when another instance sends)."""
        if not await self.lease.acquire():
            self.queue.close()
            return 0
        self.calendar.refresh()
        self.queue.open()
        await self._undeliverable()
        for due in self.calendar().due(self.clock(), self.zone, self.at):
            await self._store(due)
        return await self.queue.hand_over(self.clock())

    async def _store(self, due: Due) -> None:
        picked = (select(literal(due.event.id, String), literal(due.occurrence.isoformat(), String),
                         literal(due.offset), subscriptions.c.user_id, subscriptions.c.stream, literal(NEW, String),
                         literal("", String), literal("", String), literal(self.clock(), DateTime(timezone=True)))
                  .select_from(subscriptions.join(users, users.c.id == subscriptions.c.user_id))
                  .where(*subscribers(due.event, self.queue.channels), subscriptions.c.subscribed_at <= due.send_at))
        columns = ["event_id", "occurrence", "offset_days", "user_id", "stream", "status", "external_id", "error",
                   "created_at"]
        async with self.engine.begin() as conn:
            stored = await conn.execute(insert_on_conflict(self.engine, sent).from_select(columns, picked)
                                        .on_conflict_do_nothing())
        if stored.rowcount:
            log.info("reminders: %s of %s, %d days before: %d stored", due.event.id, due.occurrence,
                     due.offset, stored.rowcount)

    async def _undeliverable(self) -> None:
        """WhatsApp reports some failures later, by a status callback: those reminders failed after all,
        and a number that cannot receive WhatsApp ends that user's subscriptions."""
        async with self.engine.connect() as conn:
            rows = (await conn.execute(
                select(sent.c.id, sent.c.user_id, failures.c.error_code)
                .join(failures, and_(failures.c.wamid == sent.c.external_id, sent.c.external_id != ""))
                .where(sent.c.status == DELIVERED))).all()
        for row in rows:
            async with self.engine.begin() as conn:
                await conn.execute(update(sent).where(sent.c.id == row.id).values(
                    status=FAILED, error=f"status callback: {row.error_code}"))
            if row.error_code == UNDELIVERABLE:
                await self.stops.stop(row.user_id, None, "undeliverable")

    # -- the worker of `serve` ------------------------------------------------
    def start(self) -> None:
        self._task = asyncio.create_task(self._forever(), name="reminders")

    async def _forever(self) -> None:
        while True:
            try:
                await self.tick()
            except Exception as exc:  # the database is away: the next tick tries again
                log.warning("reminders tick failed: %r", exc)
            await asyncio.sleep(self.every)

    async def stop(self) -> None:
        if self._task is None:
            return
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        self._task = None
        with contextlib.suppress(Exception):  # a database gone at shutdown: the lease just runs out
            await self.lease.release()
        self.queue.close()
