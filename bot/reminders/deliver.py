"""One reminder's try: read its row, check the user still wants it, render it for the channel, send.

The outbox calls this for each reminder handed to it (`bot.reminders.queue`), whose own
claim lets one worker try it at a time. A reminder already settled is not sent
again; a user who stopped since it was queued gets nothing (the row is cancelled). A blocked bot (Telegram 403)
or an undeliverable number (Graph 131026) ends all of that user's subscriptions.
A reminder not taken before its deadline (the delivery deadline, or the event's
day itself, whichever comes first) is failed: a late reminder is no reminder.
Reads and outcomes go through group commits (`bot.reminders.rows`): many reminders
in flight cost one statement each way, not one transaction each.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.exc import DBAPIError

from bot.pipeline.outcome import Outcome
from bot.pipeline.pacing import Pacer, Rate
from bot.reminders import bodies
from bot.reminders.rows import CANCELLED, DELIVERED, FAILED, Claimed, Rows, Settle
from bot.reminders.store import SqlSubscriptionStore
from handlers import Reply, Translator
from handlers.ports import Clock
from handlers.subscriptions import flat_text, reminder
from knowledge.calendar import Calendar

log = logging.getLogger(__name__)
Send = Callable[[str, dict[str, Any]], Awaitable[Outcome]]
SETTLE_ATTEMPTS = 3
WINDOW_CLOSED = "/131047:"  # Graph: more than 24 hours since the user's last message
UNDELIVERABLE = "/131026:"  # Graph: the number cannot receive WhatsApp messages
FORBIDDEN = ("403:", "TelegramForbiddenError")  # a blocked bot: the Bot API's answer, or aiogram's error


@dataclass(frozen=True)
class Channels:
    """How reminders leave: the desk's own senders per channel, paced at a share of their rate."""

    senders: Callable[[str], Send | None]
    pacer: Pacer
    rates: dict[str, Rate]
    whatsapp_template: str = ""


@dataclass
class Deliverer:
    """Sends one reminder when called with its id; what the outbox's sender of a reminder channel runs."""

    rows: Rows
    stops: SqlSubscriptionStore
    calendar: Callable[[], Calendar]
    translator: Translator
    channels: Channels
    clock: Clock
    zone: ZoneInfo
    deadline: dt.timedelta

    async def __call__(self, reminder_id: int) -> Outcome:
        claimed = await self.rows.reads.submit(reminder_id)
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
        if bodies.window_open(claimed.last_inbound, now):
            outcome = await _in_order(send, claimed.chat_id,
                                      bodies.whatsapp_text(reply, self.translator, claimed.lang))
            if WINDOW_CLOSED not in outcome.error:
                return outcome
        if not template:
            return Outcome.failed("outside the 24-hour window and no DESK_WHATSAPP_REMINDER_TEMPLATE")
        return await send(claimed.chat_id, bodies.whatsapp_template(template, claimed.lang, line))

    async def _record(self, claimed: Claimed, outcome: Outcome) -> Outcome:
        if outcome.status == "sent":
            await self._settle(claimed.id, DELIVERED, "", outcome.external_id)
            return outcome
        if outcome.status == "failed":
            await self._settle(claimed.id, FAILED, outcome.error)
            reason = _unreachable(outcome.error)
            if reason:
                stopped = await self.stops.stop(claimed.user_id, None, reason)
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
        reminder the platform took but left queued would be sent again after the outbox's lease."""
        outcome = Settle(reminder_id, status, error, external_id, self.clock())
        for attempt in range(1, SETTLE_ATTEMPTS + 1):
            try:
                await self.rows.outcomes.submit(outcome)
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
