"""Consultants' messages out to Telegram users, in the user's chat lane (`bot.pipeline.user_relays`).

A relayed message is rendered when it goes out and sent through the channel's one send
(`TelegramSender.send_body`); a 429 or a 5xx goes back to the lane as "retry" (with
Telegram's retry_after), holding the chat's later messages behind it. A user who blocked
the bot gets nothing until they unblock it: consultants' replies are held (the consultant
is told once) and go out when they come back.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable

from bot.channels.telegram.sender import TelegramSender, message_bodies
from bot.pipeline.outcome import Outcome
from bot.pipeline.relay_rows import Delivery
from handlers.ports import DeliveryReport

HeldBefore = Callable[[int], Awaitable[bool]]  # does the ticket have replies held already?
BLOCKED = "blocked by the user"  # 403 "Forbidden: bot was blocked by the user"


class TelegramUsers:
    """Delivers consultants' messages to Telegram users (the relays of the "telegram" lanes), through
    the channel's one send (`TelegramSender.send_body`)."""

    def __init__(self, sender: TelegramSender, held_before: HeldBefore) -> None:
        self.sender = sender
        self.held_before = held_before

    async def __call__(self, delivery: Delivery) -> Outcome:
        chat_id = int(delivery.ticket.chat_id)
        outcome, went = Outcome.sent(), delivery.parts_sent
        for body in message_bodies(chat_id, [delivery.reply])[delivery.parts_sent:]:
            outcome = await self.sender.send_body(str(chat_id), body)
            if outcome.status != "sent":
                outcome = dataclasses.replace(outcome, parts=went)  # a later try starts after them
                break
            went += 1
        if outcome.status == "failed" and BLOCKED in outcome.error.lower():
            # kept for when they unblock the bot; the consultant told once
            again = await self.held_before(delivery.ticket.id)
            return dataclasses.replace(Outcome.held(
                DeliveryReport.HELD_STILL_BLOCKED if again else DeliveryReport.HELD_USER_BLOCKED, outcome.error),
                parts=outcome.parts)
        return outcome
