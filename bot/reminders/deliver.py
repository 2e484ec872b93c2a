"""One reminder's try: read its row, check the user still wants it, render it for the channel, send.

The outbox calls this for each kept reminder (`bot.reminders.queue`), whose own
claim lets one worker try it at a time. A reminder already settled is not sent
again; a user who stopped since it was queued gets nothing (the row is cancelled). A blocked bot (Telegram 403)
or an undeliverable number (Graph 131026) ends all of that user's subscriptions.
A reminder not taken before its deadline (the delivery deadline, or the event's
day itself, whichever comes first) is failed: a late reminder is no reminder.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, select, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.channels.whatsapp.store import WhatsAppStore
from bot.db.models import User, aware
from bot.pipeline.outcome import Outcome
from bot.pipeline.pacing import Pacer, Rate
from bot.reminders import bodies
from bot.reminders.store import SqlSubscriptionStore
from bot.reminders.tables import ReminderSubscription, SentReminder
from handlers import Reply, Translator
from handlers.ports import Clock
from handlers.subscriptions import flat_text, reminder
from knowledge.calendar import Calendar

log = logging.getLogger(__name__)
Send = Callable[[str, dict[str, Any]], Awaitable[Outcome]]
NEW, QUEUED, DELIVERED, FAILED, CANCELLED = "new", "queued", "delivered", "failed", "cancelled"
SETTLE_ATTEMPTS = 3
AT_ONCE = 8  # reminders in the hands of the database and the platforms at once (a pool holds 15 connections)
WINDOW_CLOSED = "/131047:"  # Graph: more than 24 hours since the user's last message
UNDELIVERABLE = "/131026:"  # Graph: the number cannot receive WhatsApp messages
FORBIDDEN = ("403:", "TelegramForbiddenError")  # a blocked bot: the Bot API's answer, or aiogram's error
sent, users, subscriptions = SentReminder.__table__, User.__table__, ReminderSubscription.__table__


@dataclass(frozen=True)
class Claimed:
    id: int
    event_id: str
    occurrence: dt.date
    user_id: int
    stream: str
    lang: str
    channel: str
    chat_id: str
    created_at: dt.datetime
    active: bool


@dataclass(frozen=True)
class Channels:
    """How reminders leave: the desk's own senders per channel, paced at a share of their rate."""

    senders: Callable[[str], Send | None]
    pacer: Pacer
    rates: dict[str, Rate]
    whatsapp_template: str = ""


class Deliverer:
    def __init__(self, engine: AsyncEngine, calendar: Callable[[], Calendar], translator: Translator,
                 channels: Channels, clock: Clock, zone: ZoneInfo, deadline: float) -> None:
        self.engine = engine
        self.calendar = calendar
        self.translator = translator
        self.channels = channels
        self.clock = clock
        self.zone = zone
        self.deadline = dt.timedelta(seconds=deadline)
        self.whatsapp = WhatsAppStore(engine)
        self.subscriptions = SqlSubscriptionStore(engine, clock)
        self._turns = asyncio.Semaphore(AT_ONCE)

    async def __call__(self, reminder_id: int) -> Outcome:
        """Each of the outbox's lanes is one chat, and an event has thousands: a few at a time here,
        so a large event never takes the connections the desk's answers need."""
        async with self._turns:
            return await self._deliver(reminder_id)

    async def _deliver(self, reminder_id: int) -> Outcome:
        claimed = await self._claim(reminder_id)
        if claimed is None:  # already sent, cancelled, or being sent by another
            return Outcome.sent()
        calendar = self.calendar()
        event = next((e for e in calendar.events if e.id == claimed.event_id), None)
        stream = calendar.stream(claimed.stream)
        send = self.channels.senders(claimed.channel)
        if not claimed.active or event is None or stream is None:
            await self._settle(claimed.id, CANCELLED, "stopped" if not claimed.active else "not in the calendar")
            return Outcome.sent()
        if send is None:
            return Outcome.unavailable(f"{claimed.channel} is not running on this instance")
        today = self.clock().astimezone(self.zone).date()
        reply = reminder(event, stream, claimed.occurrence, today, claimed.lang, self.translator(claimed.lang))
        rate = self.channels.rates.get(claimed.channel)
        if rate is not None:
            await self.channels.pacer.wait((f"reminders:{claimed.channel}", rate))
        if claimed.channel == "whatsapp":
            outcome = await self._whatsapp(send, claimed, reply, flat_text(event, claimed.occurrence, claimed.lang))
        else:
            outcome = await _in_order(send, claimed.chat_id, bodies.telegram(claimed.chat_id, reply))
        return await self._record(claimed, outcome)

    async def _whatsapp(self, send: Send, claimed: Claimed, reply: Reply, line: str) -> Outcome:
        """Free text within the 24-hour window, else the template, else failed."""
        now, template = self.clock(), self.channels.whatsapp_template
        if bodies.window_open(await self.whatsapp.last_inbound(claimed.chat_id), now):
            outcome = await _in_order(send, claimed.chat_id,
                                      bodies.whatsapp_text(reply, self.translator, claimed.lang))
            if WINDOW_CLOSED not in outcome.error:
                return outcome
        if not template:
            return Outcome.failed("outside the 24-hour window and no DESK_WHATSAPP_REMINDER_TEMPLATE")
        return await send(claimed.chat_id, bodies.whatsapp_template(template, claimed.lang, line))

    async def _claim(self, reminder_id: int) -> Claimed | None:
        """The queued reminder with its user and whether the subscription still stands; None once settled
        (the outbox tries a message again when its outcome could not be recorded)."""
        async with self.engine.connect() as conn:
            row = (await conn.execute(
                select(sent.c.id, sent.c.event_id, sent.c.occurrence, sent.c.user_id, sent.c.stream,
                       sent.c.created_at, users.c.lang, users.c.channel, users.c.external_id,
                       subscriptions.c.stopped_at, subscriptions.c.id.label("subscription"))
                .join(users, users.c.id == sent.c.user_id)
                .outerjoin(subscriptions, and_(subscriptions.c.user_id == sent.c.user_id,
                                               subscriptions.c.stream == sent.c.stream))
                .where(sent.c.id == reminder_id, sent.c.status == QUEUED))).first()
        if row is None:
            return None
        return Claimed(row.id, row.event_id, dt.date.fromisoformat(row.occurrence), row.user_id, row.stream,
                       row.lang or "kk", row.channel, row.external_id, aware(row.created_at),
                       row.subscription is not None and row.stopped_at is None)

    async def _record(self, claimed: Claimed, outcome: Outcome) -> Outcome:
        if outcome.status == "sent":
            await self._settle(claimed.id, DELIVERED, "", outcome.external_id)
            return outcome
        if outcome.status == "failed":
            await self._settle(claimed.id, FAILED, outcome.error)
            reason = _unreachable(outcome.error)
            if reason:
                stopped = await self.subscriptions.stop(claimed.user_id, None, reason)
                log.info("reminders: a %s user is %s: %d subscription(s) ended", claimed.channel, reason, stopped)
            return outcome
        if self.clock() >= self._deadline(claimed):
            await self._settle(claimed.id, FAILED, f"deadline: {outcome.error}")
            return Outcome.failed(f"reminder past its deadline: {outcome.error}")
        return outcome  # still queued: the outbox tries again

    def _deadline(self, claimed: Claimed) -> dt.datetime:
        day_after = dt.datetime.combine(claimed.occurrence + dt.timedelta(days=1), dt.time(), tzinfo=self.zone)
        return min(claimed.created_at + self.deadline, day_after.astimezone(dt.UTC))

    async def _settle(self, reminder_id: int, status: str, error: str, external_id: str = "") -> None:
        """Record the outcome; a write the database refuses for a moment is tried again, since a
        reminder the platform took but left `sending` would be sent again after the claim's lease."""
        values: dict[str, Any] = {"status": status, "error": error[:2000], "external_id": external_id[:128]}
        if status in (DELIVERED, FAILED, CANCELLED):
            values["settled_at"] = self.clock()
        for attempt in range(1, SETTLE_ATTEMPTS + 1):
            try:
                async with self.engine.begin() as conn:
                    await conn.execute(update(sent).where(sent.c.id == reminder_id, sent.c.status == QUEUED)
                                       .values(**values))
                return
            except DBAPIError:
                if attempt == SETTLE_ATTEMPTS:
                    raise
                await asyncio.sleep(attempt)


async def _in_order(send: Send, chat_id: str, messages: list[dict[str, Any]]) -> Outcome:
    """Each message in turn; the first that does not go out decides."""
    outcome = Outcome.sent()
    for message in messages:
        outcome = await send(chat_id, message)
        if outcome.status != "sent":
            return outcome
    return outcome


def _unreachable(error: str) -> str:
    """Why a refusal ends the user's subscriptions: the bot blocked, the number undeliverable; else ""."""
    if error.startswith(FORBIDDEN):
        return "blocked"
    return "undeliverable" if UNDELIVERABLE in error else ""
