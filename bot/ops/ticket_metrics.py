"""Consultant-desk series for /metrics: open and late tickets by centre, outbox depth, time to first reply.

They are read from the database on each scrape, so every instance reports the
shared truth. The first-reply histogram observes each ticket once: a
watermark on ticket message ids remembers which first replies were counted. A
centre seen once keeps its series at 0 when it has no open ticket left.
"""

from __future__ import annotations

import datetime as dt

from prometheus_client import Gauge, Histogram
from sqlalchemy import and_, func, select
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.orm import aliased

from bot.db.models import TicketMessage, TicketRow
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
                                  ["centre"], registry=r)
        self.late_tickets = Gauge("desk_tickets_late", "Open tickets flagged late and still without a reply",
                                  ["centre"], registry=r)
        self.outbox_depth = Gauge("desk_outbox_depth", "Relayed messages not delivered yet", ["status"],
                                  registry=r)
        self.first_reply = Histogram("desk_first_consultant_reply_seconds",
                                     "From a ticket's opening to the consultant's first reply", ["centre"],
                                     buckets=FIRST_REPLY_BUCKETS, registry=r)
        self._seen_message_id = 0
        self._centres: set[str] = set()
        metrics.on_scrape(self.refresh)

    async def refresh(self) -> None:
        async with self.engine.connect() as conn:
            is_open = TicketRow.status == "open"
            late = and_(is_open, TicketRow.sla_flagged_at.is_not(None), TicketRow.first_reply_at.is_(None))
            opened = dict((await conn.execute(select(TicketRow.centre, func.count()).where(is_open)
                                              .group_by(TicketRow.centre))).all())
            flagged = dict((await conn.execute(select(TicketRow.centre, func.count()).where(late)
                                               .group_by(TicketRow.centre))).all())
            self._centres |= set(opened)
            for centre in self._centres:
                self.open_tickets.labels(centre).set(opened.get(centre, 0))
                self.late_tickets.labels(centre).set(flagged.get(centre, 0))
            depth = dict((await conn.execute(
                select(TicketMessage.status, func.count()).where(TicketMessage.status.in_(
                    ("pending", "sending", "held"))).group_by(TicketMessage.status))).all())
            for status in ("pending", "sending", "held"):
                self.outbox_depth.labels(status).set(depth.get(status, 0))
            earlier = aliased(TicketMessage)
            first_replies = await conn.execute(
                select(TicketMessage.id, TicketMessage.created_at, TicketRow.created_at, TicketRow.centre)
                .join(TicketRow, TicketRow.id == TicketMessage.ticket_id)
                .outerjoin(earlier, and_(earlier.ticket_id == TicketMessage.ticket_id,
                                         earlier.direction == TO_USER, earlier.id < TicketMessage.id))
                .where(TicketMessage.direction == TO_USER, TicketMessage.id > self._seen_message_id,
                       earlier.id.is_(None)))
            for message_id, replied_at, opened_at, centre in first_replies:
                waited = (_aware(replied_at) - _aware(opened_at)).total_seconds()
                self.first_reply.labels(centre).observe(max(0.0, waited))
                self._seen_message_id = max(self._seen_message_id, message_id)
