"""The services a running desk shares: built once at start-up, handed to the channels."""

from __future__ import annotations

from dataclasses import dataclass, field

from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.config import Settings
from bot.inbox import Inbox
from bot.metrics import Metrics
from bot.outbox import Outbox
from bot.pacing import Pacer
from bot.pipeline.outbound import Outbound
from handlers import Desk


@dataclass
class Services:
    settings: Settings
    engine: AsyncEngine
    desk: Desk
    inbox: Inbox
    metrics: Metrics = field(default_factory=Metrics)
    pacer: Pacer = field(default_factory=Pacer)  # one per process: every sender books from it
    redis: Redis | None = None  # DESK_REDIS_URL, shared by the instances
    outbox: Outbox | None = None  # relayed messages of tickets, delivered once each
    outbound: Outbound | None = None  # desk messages the platform did not take at once
