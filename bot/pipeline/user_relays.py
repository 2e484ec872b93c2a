"""Consultants' messages to a user, sent in the user's own chat lane (`bot.pipeline.outbound`).

A user's chat has one durable path: the desk's answers and the consultants' replies are
rows of `outbound_messages`, sent in the order written, paced and retried as one lane (a
429 on one holds the others back). A consultant's message keeps its text in the ticket's
transcript (`ticket_messages`); its outbound row only points at it and it is rendered
when it goes out, by the channel's deliverer of relays (the WhatsApp window, the user's
language, a blocked bot). The transcript row takes its status from the outcome, and the
consultant is told what did not simply go out (held, failed, delivered after a hold).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from collections.abc import Awaitable, Callable, Mapping

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, async_sessionmaker

from bot.db.models import TicketMessage, TicketRow, utcnow
from bot.db.tickets import to_ticket
from bot.pipeline import relay_table
from bot.pipeline.outbound_table import Message
from bot.pipeline.outcome import Outcome
from bot.pipeline.relay_rows import Delivery, delivery_of
from bot.pipeline.relay_table import FAILED, HELD, SENT, messages
from handlers.ports import Clock, DeliveryReport, Relay

log = logging.getLogger(__name__)
Deliverer = Callable[[Delivery], Awaitable[Outcome]]  # one relayed message, rendered and sent
Reporter = Callable[[int, DeliveryReport, str], Awaitable[None]]  # (ticket, what became of it, detail)


class UserRelays:
    """The relays' side of the user lanes: each channel's deliverer, the transcript, the reports."""

    def __init__(self, engine: AsyncEngine, deliverers: Mapping[str, Deliverer], reporter: Reporter | None = None,
                 clock: Clock = utcnow) -> None:
        """`deliverers`: by channel ("telegram", "whatsapp"), fixed here; `reporter`: tells the consultants."""
        self.engine = engine
        self.sessions = async_sessionmaker(engine, expire_on_commit=False)
        self.deliverers = dict(deliverers)
        self.reporter = reporter
        self.clock = clock

    async def write(self, conn: AsyncConnection, relay: Relay) -> tuple[int, str, str]:
        """The transcript row of a consultant's message; its id and the user's (channel, chat id)."""
        row_id, _status = await relay_table.put(conn, relay, self.clock())
        channel, chat_id = (await conn.execute(select(TicketRow.channel, TicketRow.chat_id)
                                               .where(TicketRow.id == relay.ticket_id))).one()
        return row_id, channel, chat_id

    async def send(self, message: Message) -> Outcome:
        """Render the transcript row and send it through the channel (the outbound lane's claim
        keeps it to one sender at a time)."""
        deliverer = self.deliverers.get(message.channel)
        if deliverer is None:
            return Outcome.unavailable(f"{message.channel} is not running on this instance")
        async with self.sessions() as session:
            found = (await session.execute(select(TicketMessage, TicketRow)
                                        .join(TicketRow, TicketRow.id == TicketMessage.ticket_id)
                                        .where(TicketMessage.id == message.relay))).first()
        if found is None:  # removed by retention before it could go: nothing left to send
            log.warning("relay message %s is gone from the transcript: not sent", message.relay)
            return Outcome.sent()
        row, ticket_row = found
        delivery = delivery_of(row, to_ticket(ticket_row))
        return await deliverer(dataclasses.replace(delivery, attempt=message.attempt,
                                                   parts_sent=int(message.body.get("parts", 0))))

    async def ended(self, message: Message, outcome: Outcome, status: str) -> bool:
        """Record in the transcript how the message ended (sent, held, failed) and tell the
        consultants what they should know; False when the database was away (the lane asks again)."""
        now = self.clock()
        values: dict[str, object] = {"status": status, "error": outcome.error}
        if status == SENT:
            values.update(delivered_at=now, external_id=outcome.external_id[:128])
        elif status == HELD:
            values["held_at"] = now
        try:  # both again if the database went away before the consultants were told (the update repeats alike)
            async with self.engine.begin() as conn:
                found = (await conn.execute(update(messages).where(messages.c.id == message.relay).values(**values)
                                            .returning(messages.c.ticket_id, messages.c.held_at))).first()
            report = _report(status, outcome, found.held_at if found is not None else None)
            if found is not None and report is not None and self.reporter is not None:
                await self.reporter(found.ticket_id, report, outcome.error)
        except Exception as exc:
            log.warning("relay message %s: its %s status was not recorded: %r", message.relay, status, exc)
            return False
        return True


def _report(status: str, outcome: Outcome, held_before: dt.datetime | None) -> DeliveryReport | None:
    """What the consultant is told of a message that ended so (None: nothing worth telling)."""
    if status == SENT:
        return DeliveryReport.DELIVERED_AFTER_HOLD if held_before is not None else None
    if status == HELD:
        return outcome.report or DeliveryReport.HELD_NO_TEMPLATE
    return DeliveryReport.FAILED if status == FAILED else None
