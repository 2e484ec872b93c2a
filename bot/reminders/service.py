"""The reminders of a running desk, built once from the settings: the conversation's side and the sender."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app.config import Settings
from bot.ops.metrics import Metrics
from bot.pipeline.instance import instance_name
from bot.pipeline.outbound import Outbound, Send
from bot.pipeline.pacing import Pacer, Rate
from bot.pipeline.retry import RetryPolicy
from bot.reminders.deliver import Channels, Deliverer
from bot.reminders.lease import Lease
from bot.reminders.metrics import ReminderMetrics
from bot.reminders.queue import ReminderQueue
from bot.reminders.rows import Rows
from bot.reminders.scheduler import Scheduler
from bot.reminders.source import CalendarSource
from bot.reminders.store import SqlSubscriptionStore
from handlers import Channel, Translator
from handlers.ports import Clock
from handlers.subscriptions import Reach, Reminders
from knowledge.regions import Regions

LEASE_TICKS = 3  # the lease outlives this many missed ticks of its holder


@dataclass
class ReminderService:
    conversation: Reminders  # the desk's side: subscribing, stopping
    scheduler: Scheduler
    queue: ReminderQueue

    def start(self) -> None:
        self.scheduler.start()
        self.queue.outbound.start()

    async def stop(self) -> None:
        await self.scheduler.stop()
        await self.queue.outbound.stop()

    async def tick(self) -> int:
        return await self.scheduler.tick()


def reach(settings: Settings) -> Reach:
    """Telegram reaches every subscriber; WhatsApp only with a template for closed windows."""
    channels = set()
    if settings.telegram_token.get_secret_value():
        channels.add(Channel.TELEGRAM)
    if settings.whatsapp_token.get_secret_value() and settings.whatsapp_reminder_template:
        channels.add(Channel.WHATSAPP)
    return Reach(frozenset(channels), settings.telegram_bot_url)


def shares(settings: Settings) -> dict[str, Rate]:
    """Each platform's rate times DESK_REMINDER_RATE_SHARE (none where pacing is off)."""
    limits = {"telegram": settings.telegram_messages_per_second, "whatsapp": settings.whatsapp_messages_per_second}
    return {channel: Rate(limit * settings.reminder_rate_share) for channel, limit in limits.items() if limit > 0}


def build_reminders(settings: Settings, engine: AsyncEngine, senders: Mapping[str, Send], pacer: Pacer,
                    metrics: Metrics, translator: Translator, clock: Clock, regions: Regions,
                    entry_ids: Callable[[], Iterable[str]], policy: RetryPolicy) -> ReminderService | None:
    """None when DESK_REMINDERS is off; raises KnowledgeError on a calendar that does not validate.
    `senders`: each running channel's send (the desk's own); `policy`: the retry policy of every send."""
    if not settings.reminders:
        return None
    zone = ZoneInfo(settings.timezone)
    source = CalendarSource(settings.knowledge_dir, regions, entry_ids)
    conversation = Reminders(SqlSubscriptionStore(engine, clock), source, reach(settings), regions, clock, zone)
    channels = Channels(senders.get, pacer, shares(settings), settings.whatsapp_reminder_template)
    rows, stops = Rows.on(engine), SqlSubscriptionStore(engine, clock)
    deliver = Deliverer(rows, stops, source, translator, channels, clock, zone,
                        dt.timedelta(hours=settings.delivery_deadline_hours))
    owner = instance_name(settings.instance_id, settings.port)

    def lanes(sends: Mapping[str, Send], active: Callable[[], bool]) -> Outbound:
        return Outbound(engine, sends, active=active, policy=policy, owner=owner, lease=settings.inbox_lease_seconds,
                        clock=clock, metrics=metrics)

    queue = ReminderQueue(engine, tuple(senders), deliver, lanes)
    lease = Lease(engine, owner, LEASE_TICKS * settings.reminder_tick_seconds, clock)
    at = dt.time.fromisoformat(settings.reminder_time)
    scheduler = Scheduler(engine, source, lease, queue, rows, stops, clock, zone, at, settings.reminder_tick_seconds)
    ReminderMetrics(metrics, engine)
    return ReminderService(conversation, scheduler, queue)
