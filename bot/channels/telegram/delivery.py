"""Relayed messages out to Telegram: Bot API errors as outbox outcomes, and the users' deliverer.

Unlike the desk's replies, a relayed message is never waited for here: a 429
or a 5xx goes back to the outbox as "retry" (with Telegram's retry_after), so
the message is kept in the database and sent later, even after a restart.
"""

from __future__ import annotations

from typing import TypeVar

from aiogram.exceptions import AiogramError
from aiogram.methods import TelegramMethod

from bot.channels.telegram.sender import TelegramSender, outcome_of, send_messages
from bot.outbox import Delivery, Outcome

__all__ = ["TelegramUsers", "outcome_of", "paced"]

T = TypeVar("T")


async def paced(sender: TelegramSender, chat_id: int | str, method: TelegramMethod[T]) -> T:
    """One Bot API call within the flood limits the sender keeps; errors are raised."""
    await sender.pacer.wait(*sender.limits.slots(chat_id))
    return await sender.bot(method)


class TelegramUsers:
    """Delivers consultants' messages to Telegram users (the outbox's "telegram" destination)."""

    def __init__(self, sender: TelegramSender) -> None:
        self.sender = sender

    async def __call__(self, delivery: Delivery) -> Outcome:
        chat_id = int(delivery.ticket.chat_id)
        sent = None
        try:
            for method in send_messages(chat_id, [delivery.reply]):
                sent = await paced(self.sender, chat_id, method)
        except AiogramError as exc:  # e.g. the user blocked the bot: the consultant is told
            return outcome_of(exc)
        return Outcome.sent(sent.message_id if sent else "")
