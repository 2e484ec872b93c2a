"""The sender's tick: hold the lease, store each due reminder once per user; then send what waits.

A due reminder (`knowledge.calendar`) becomes one `sent_reminders` row per
subscriber of its stream (and region), inserted with ON CONFLICT DO NOTHING on
the unique (event, occurrence, offset, user): however many instances or ticks
see it due, each user gets one row. Rows are stored `new`; the holder of the lease
then hands them to the outbox, a batch per transaction, as fast as they go out
(`bot.reminders.queue`); what a sender that died leaves `new`, the next holder of
the lease hands over. Reminders reach only the users who subscribed before the
reminder's send time.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, DateTime, String, and_, false, literal, or_, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.db.dialect import insert_on_conflict
from bot.db.models import User, WhatsAppDeliveryFailure
from bot.reminders.lease import Lease
from bot.reminders.queue import ReminderQueue
from bot.reminders.rows import DELIVERED, FAILED, NEW, Rows, Settle
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


@dataclass
class Scheduler:
    """The one sender's ticks, every `every` seconds; `at` is the day's hour for reminders, in `zone`."""

    engine: AsyncEngine
    calendar: CalendarSource
    lease: Lease
    queue: ReminderQueue
    rows: Rows
    stops: SqlSubscriptionStore
    clock: Clock
    zone: ZoneInfo
    at: dt.time
    every: float
    _task: asyncio.Task[None] | None = field(default=None, init=False)

    async def tick(self) -> int:
        """One pass; returns how many reminders wait to be sent (0 when another instance sends them)."""
        if not await self.lease.acquire():
            self.queue.close()
            return 0
        self.calendar.refresh()
        self.queue.open()
        await self._undeliverable()
        for due in self.calendar().due(self.clock(), self.zone, self.at):
            await self._store(due)
        return await self.queue.waiting()

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
                select(sent.c.id, sent.c.user_id, sent.c.settled_at, failures.c.error_code)
                .join(failures, and_(failures.c.wamid == sent.c.external_id, sent.c.external_id != ""))
                .where(sent.c.status == DELIVERED))).all()
        if not rows:
            return
        await asyncio.gather(*(self.rows.outcomes.submit(Settle(
            row.id, FAILED, f"status callback: {row.error_code}", settled_at=row.settled_at, was=DELIVERED))
            for row in rows))
        for user_id in sorted({row.user_id for row in rows if row.error_code == UNDELIVERABLE}):
            await self.stops.stop(user_id, None, "undeliverable")

    # -- the worker of `serve` ------------------------------------------------
    def start(self) -> None:
        self._task = asyncio.create_task(self._forever(), name="reminders")

    async def _forever(self) -> None:
        while True:
            try:
                await self.tick()
                self.queue.start()
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
