"""aiogram routers: map the update, ask the desk, send its replies. Nothing else happens here.

The filters are coroutines, not magic filters (`F.chat.type == ...`): aiogram runs
a synchronous filter in a worker thread, a thread hop for every update.
"""

from __future__ import annotations

from aiogram import Router
from aiogram.enums import ChatType
from aiogram.types import CallbackQuery, Message

from bot.channels.telegram.mapper import from_callback, from_message, from_topic_message
from bot.channels.telegram.sender import TelegramSender
from bot.channels.telegram.topics import TopicStore
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


async def in_private_chat(message: Message) -> bool:
    return message.chat.type == ChatType.PRIVATE


def customer_router() -> Router:
    """People asking the desk, in private chats only: in groups the bot stays silent.

    The consultants' group has its own router, filtered to that chat.
    """
    router = Router(name="customers")
    router.message.filter(in_private_chat)
    router.message.register(on_message)
    router.callback_query.register(on_callback)
    return router


async def on_topic_message(message: Message, desk: Desk, sender: TelegramSender, topics: TopicStore) -> None:
    """A consultant wrote in a ticket's topic: commands, notes, or text for the user."""
    if message.from_user is None or message.from_user.is_bot or message.message_thread_id is None:
        return  # bots (and anonymous admins) never speak for the centre
    ticket_id = await topics.ticket_of(message.chat.id, message.message_thread_id)
    written = from_topic_message(message, ticket_id) if ticket_id is not None else None
    if written is not None:
        await sender.send(message.chat.id, await desk.from_consultant(written), message.message_thread_id)


def consultant_router(chat_ids: frozenset[int]) -> Router:
    """The consultants' forum supergroups, and only they: no other chat can reach a user through the desk."""
    async def in_the_group_topics(message: Message) -> bool:
        return message.chat.id in chat_ids and bool(message.is_topic_message)

    router = Router(name="consultants")
    router.message.filter(in_the_group_topics)
    router.message.register(on_topic_message)
    return router
