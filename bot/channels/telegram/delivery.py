"""Relayed messages out to Telegram: Bot API errors as outbox outcomes, and the users' deliverer.

Unlike the desk's replies, a relayed message is never waited for here: a 429
or a 5xx goes back to the outbox as "retry" (with Telegram's retry_after), so
the message is kept in the database and sent later, even after a restart.
A user who blocked the bot gets nothing until they unblock it: consultants'
replies are held (the consultant is told once) and go out when they come back.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from aiogram.exceptions import AiogramError, TelegramForbiddenError
from aiogram.methods import TelegramMethod

from bot.channels.telegram.sender import TelegramSender, outcome_of, send_messages
from bot.pipeline.outbox import Delivery, Outcome
from handlers.ports import DeliveryReport

__all__ = ["TelegramUsers", "outcome_of", "paced"]

T = TypeVar("T")
HeldBefore = Callable[[int], Awaitable[bool]]  # does the ticket have replies held already?


def blocked_by_user(exc: AiogramError) -> bool:
    """403 "Forbidden: bot was blocked by the user"."""
    return isinstance(exc, TelegramForbiddenError) and "blocked by the user" in exc.message.lower()


async def paced(sender: TelegramSender, chat_id: int | str, method: TelegramMethod[T]) -> T:
    """One Bot API call within the flood limits the sender keeps; errors are raised."""
    await sender.pacer.wait(*sender.limits.slots(chat_id))
    return await sender.bot(method)


class TelegramUsers:
    """Delivers consultants' messages to Telegram users (the outbox's "telegram" destination)."""

    def __init__(self, sender: TelegramSender, held_before: HeldBefore) -> None:
        self.sender = sender
        self.held_before = held_before

    async def __call__(self, delivery: Delivery) -> Outcome:
        chat_id = int(delivery.ticket.chat_id)
        sent = None
        try:
            for method in send_messages(chat_id, [delivery.reply]):
                sent = await paced(self.sender, chat_id, method)
        except AiogramError as exc:
            if blocked_by_user(exc):  # kept for when they unblock the bot; the consultant told once
                again = await self.held_before(delivery.ticket.id)
                return Outcome.held(DeliveryReport.HELD_STILL_BLOCKED if again else DeliveryReport.HELD_USER_BLOCKED,
                                    exc.message)
            return outcome_of(exc)
        return Outcome.sent(sent.message_id if sent else "")
