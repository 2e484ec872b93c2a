"""Consultants' messages out to WhatsApp users, within the 24-hour customer service window.

Inside the window a message goes out as usual. Outside it (or when Meta
answers 131047) free text is not allowed: the message is held, the configured
template (DESK_WHATSAPP_REPLY_TEMPLATE, in the user's language) invites the
user to write back, once per closed window, and the held messages go out when
they do. The desk tells the consultant which of these happened.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from typing import Any

from bot.channels.whatsapp.client import GraphClient, SendResult
from bot.channels.whatsapp.processor import labels, render_messages
from bot.channels.whatsapp.sender import outcome_of, send_one, transient
from bot.channels.whatsapp.store import SERVICE_WINDOW, WhatsAppStore
from bot.pipeline.outcome import Outcome
from bot.pipeline.relay_rows import Delivery
from handlers import Translator
from handlers.ports import Clock, DeliveryReport

log = logging.getLogger(__name__)
WINDOW_CLOSED = 131047  # "Re-engagement message": more than 24 hours since the user's last message


def template_message(name: str, lang: str) -> dict[str, Any]:
    return {"type": "template", "template": {"name": name, "language": {"code": lang}}}


class WhatsAppUsers:
    """The deliverer of consultants' messages in the "whatsapp" lanes (`bot.pipeline.user_relays`)."""

    def __init__(self, client: GraphClient, store: WhatsAppStore, translator: Translator,
                 template: str, clock: Clock) -> None:
        self.client = client
        self.store = store
        self.translator = translator
        self.template = template
        self.clock = clock

    async def __call__(self, delivery: Delivery) -> Outcome:
        wa_id, now = delivery.ticket.chat_id, self.clock()
        last = await self.store.last_inbound(wa_id)
        if last is None or now - last >= SERVICE_WINDOW:
            return await self._hold(delivery, last)
        words = labels(self.translator, delivery.ticket.lang)
        result, went = SendResult(ok=True), delivery.parts_sent
        for message in (await render_messages(self.store, wa_id, [delivery.reply], words))[delivery.parts_sent:]:
            result = await send_one(self.client, self.store, wa_id, message, at=now)
            if not result.ok:
                break
            went += 1
        outcome = await self._hold(delivery, last) if result.error_code == WINDOW_CLOSED else outcome_of(result)
        return dataclasses.replace(outcome, parts=went)  # a later try starts after the parts that went

    async def _hold(self, delivery: Delivery, last: dt.datetime | None) -> Outcome:
        """Keep the message for when the user writes; invite them once per closed window."""
        wa_id, now = delivery.ticket.chat_id, self.clock()
        if not self.template:
            return Outcome.held(DeliveryReport.HELD_NO_TEMPLATE)
        since = last if last is not None else now - SERVICE_WINDOW
        if await self.store.template_sent_since(wa_id, since):
            return Outcome.held(DeliveryReport.HELD_ALREADY_INVITED)
        message = template_message(self.template, delivery.ticket.lang)
        result = await send_one(self.client, self.store, wa_id, message, at=now)
        if result.ok:
            log.info("WhatsApp window closed on ticket %s: reply held, template %s sent", delivery.ticket.id,
                     self.template)
            return Outcome.held(DeliveryReport.HELD_INVITED)
        if transient(result):
            return Outcome.retry(f"template: Graph API {result.http_status}: {result.error}")
        return Outcome.held(DeliveryReport.HELD_INVITE_FAILED, f"{result.error_code}: {result.error}")
