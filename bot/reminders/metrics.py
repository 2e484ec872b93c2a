"""Reminder series for /metrics, read from the database on each scrape (every instance shows the shared truth).

`desk_reminders{event, status}`: per calendar event, `sent` (handed to the outbox),
`delivered` (the platform took it) and `failed` (refused, or past its deadline);
`desk_reminder_subscriptions{stream}`: active subscriptions.
"""

from __future__ import annotations

from prometheus_client import Gauge
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.ops.metrics import Metrics
from bot.reminders.tables import ReminderSubscription, SentReminder

sent, subscriptions = SentReminder.__table__, ReminderSubscription.__table__
STATUSES = ("sent", "delivered", "failed")


async def figures(engine: AsyncEngine, since: object = None) -> dict[str, dict[str, int]]:
    """Per event: sent, delivered, failed (of the reminders stored since `since`, when given)."""
    query = select(sent.c.event_id, sent.c.status, func.count()).group_by(sent.c.event_id, sent.c.status)
    if since is not None:
        query = query.where(sent.c.created_at >= since)
    out: dict[str, dict[str, int]] = {}
    async with engine.connect() as conn:
        for event_id, status, count in await conn.execute(query):
            counts = out.setdefault(event_id, dict.fromkeys(STATUSES, 0))
            if status != "cancelled":
                counts["sent"] += count
            if status in ("delivered", "failed"):
                counts[status] += count
    return out


async def active_subscriptions(engine: AsyncEngine) -> dict[str, int]:
    async with engine.connect() as conn:
        rows = await conn.execute(select(subscriptions.c.stream, func.count())
                                  .where(subscriptions.c.stopped_at.is_(None)).group_by(subscriptions.c.stream))
        return {stream: count for stream, count in rows}


class ReminderMetrics:
    def __init__(self, metrics: Metrics, engine: AsyncEngine) -> None:
        self.engine = engine
        self.reminders = Gauge("desk_reminders", "Deadline reminders per calendar event: sent to the outbox, "
                               "delivered, failed", ["event", "status"], registry=metrics.registry)
        self.subscriptions = Gauge("desk_reminder_subscriptions", "Active reminder subscriptions", ["stream"],
                                   registry=metrics.registry)
        self._streams: set[str] = set()
        metrics.on_scrape(self.refresh)

    async def refresh(self) -> None:
        for event_id, counts in (await figures(self.engine)).items():
            for status, count in counts.items():
                self.reminders.labels(event_id, status).set(count)
        active = await active_subscriptions(self.engine)
        self._streams |= set(active)
        for stream in self._streams:  # a stream whose last subscriber left shows 0, not its old count
            self.subscriptions.labels(stream).set(active.get(stream, 0))
