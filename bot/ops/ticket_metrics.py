"""Consultant-desk series for /metrics: open tickets, outbox depth, time to first reply.

They are read from the database on each scrape, so every instance reports the
shared truth. The first-reply histogram observes each ticket once: a
watermark on ticket message ids remembers which first replies were counted.
"""

from __future__ import annotations

import datetime as dt

from prometheus_client import Gauge, Histogram
from sqlalchemy import and_, func, select
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.orm import aliased

from bot.db.models import Ticket, TicketMessage
from bot.ops.metrics import Metrics
from handlers.ports import Direction

# Seconds: a minute, five, a quarter hour ... up to a working day and beyond.
FIRST_REPLY_BUCKETS = (60, 300, 900, 1800, 3600, 7200, 14400, 28800, 86400, 259200)
TO_USER = Direction.TO_USER.value


def _aware(moment: dt.datetime) -> dt.datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


class TicketMetrics:
    """Registers the series on `metrics` and refreshes them before each scrape."""

    def __init__(self, metrics: Metrics, engine: AsyncEngine) -> None:
        self.engine = engine
        r = metrics.registry
        self.open_tickets = Gauge("desk_tickets_open", "Tickets waiting for or talking to a consultant",
                                  registry=r)
        self.outbox_depth = Gauge("desk_outbox_depth", "Relayed messages not delivered yet", ["status"],
                                  registry=r)
        self.first_reply = Histogram("desk_first_consultant_reply_seconds",
                                     "From a ticket's opening to the consultant's first reply",
                                     buckets=FIRST_REPLY_BUCKETS, registry=r)
        self._seen_message_id = 0
        metrics.on_scrape(self.refresh)

    async def refresh(self) -> None:
        async with self.engine.connect() as conn:
            self.open_tickets.set(await conn.scalar(
                select(func.count()).select_from(Ticket).where(Ticket.status == "open")) or 0)
            depth = dict((await conn.execute(
                select(TicketMessage.status, func.count()).where(TicketMessage.status.in_(
                    ("pending", "sending", "held"))).group_by(TicketMessage.status))).all())
            for status in ("pending", "sending", "held"):
                self.outbox_depth.labels(status).set(depth.get(status, 0))
            earlier = aliased(TicketMessage)
            first_replies = await conn.execute(
                select(TicketMessage.id, TicketMessage.created_at, Ticket.created_at)
                .join(Ticket, Ticket.id == TicketMessage.ticket_id)
                .outerjoin(earlier, and_(earlier.ticket_id == TicketMessage.ticket_id,
                                         earlier.direction == TO_USER, earlier.id < TicketMessage.id))
                .where(TicketMessage.direction == TO_USER, TicketMessage.id > self._seen_message_id,
                       earlier.id.is_(None)))
            for message_id, replied_at, opened_at in first_replies:
                self.first_reply.observe(max(0.0, (_aware(replied_at) - _aware(opened_at)).total_seconds()))
                self._seen_message_id = max(self._seen_message_id, message_id)
