"""aiogram routers: map the update, ask the desk, send its replies. Nothing else happens here."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.enums import ChatType
from aiogram.types import CallbackQuery, Message

from bot.channels.telegram.mapper import from_callback, from_message
from bot.channels.telegram.sender import TelegramSender
from handlers import Desk


async def on_message(message: Message, desk: Desk, sender: TelegramSender) -> None:
    inbound = from_message(message)
    if inbound is not None:
        await sender.send(message.chat.id, await desk.handle(inbound))


async def on_callback(query: CallbackQuery, desk: Desk, sender: TelegramSender) -> None:
    await sender.answer_callback(query.id)  # always, or the button spins; stale data included
    inbound = from_callback(query)
    if inbound is not None:
        await sender.send(inbound.chat_id, await desk.handle(inbound))


def customer_router() -> Router:
    """People asking the desk, in private chats only: in groups the bot stays silent.

    The consultants' group will get its own router, filtered to that chat.
    """
    router = Router(name="customers")
    router.message.filter(F.chat.type == ChatType.PRIVATE)
    router.message.register(on_message)
    router.callback_query.register(on_callback)
    return router
