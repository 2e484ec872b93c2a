"""The services a running desk shares: built once at start-up, handed to the channels."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app.config import Settings
from bot.curation.reload import BaseReloader
from bot.ops.metrics import Metrics
from bot.pipeline.inbox import Inbox
from bot.pipeline.outbound import Outbound
from bot.pipeline.outbox import Outbox
from bot.pipeline.pacing import Pacer
from handlers import Desk

if TYPE_CHECKING:  # the channels import this module
    from bot.channels.telegram.centre_groups import CentreChats
    from bot.channels.telegram.group import ConsultantsChat


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
    consultants: CentreChats | None = None  # every consultants' group: where it is, how it is

    @property
    def consultants_group(self) -> ConsultantsChat | None:
        """The national group (the national centre's own, else DESK_CONSULTANT_CHAT_ID): the weekly digest's."""
        if self.consultants is None or self.desk.centres is None:
            return None
        return self.consultants.of_centre(self.desk.centres.centres.national.id)
    reloader: BaseReloader | None = None  # follows the knowledge base's version row
    # A text into the consultants' group (its general topic), when a channel runs the group.
    post_to_consultants: Callable[[str], Awaitable[None]] | None = None
    outbound: Outbound | None = None  # desk messages the platform did not take at once
