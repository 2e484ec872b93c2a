"""aiogram routers: map the update, ask the desk, send its replies. Nothing else happens here.

The filters are coroutines, not magic filters (`F.chat.type == ...`): aiogram runs
a synchronous filter in a worker thread, a thread hop for every update.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiogram import Router
from aiogram.enums import ChatMemberStatus, ChatType
from aiogram.types import CallbackQuery, ChatMemberUpdated, Message

from bot.channels.telegram.centre_groups import CentreChats
from bot.channels.telegram.mapper import (
    from_callback,
    from_group_command,
    from_message,
    from_topic_callback,
    from_topic_message,
)
from bot.channels.telegram.sender import TelegramReplies
from bot.channels.telegram.topics import TopicStore
from handlers import Desk, Inbound, InboundKind

Release = Callable[[str], Awaitable[int]]  # replies held for a chat go out now; how many


async def on_message(message: Message, desk: Desk, replies: TelegramReplies, release: Release) -> None:
    inbound = from_message(message)
    if inbound is not None:
        await answer_private(inbound, desk, replies, release)


async def answer_private(inbound: Inbound, desk: Desk, replies: TelegramReplies, release: Release) -> None:
    """A person's message in their private chat: the desk's replies, written to go out in its lane."""
    if inbound.kind is InboundKind.COMMAND and inbound.text == "start":  # "Restart" after a block
        await release(inbound.chat_id)
    await replies.send(int(inbound.chat_id), await desk.handle(inbound))


async def on_unblocked(update: ChatMemberUpdated, release: Release) -> None:
    """A user who blocked the bot unblocked it: the replies held for them go out."""
    if update.chat.type == ChatType.PRIVATE and update.new_chat_member.status == ChatMemberStatus.MEMBER:
        await release(str(update.chat.id))


async def on_callback(query: CallbackQuery, desk: Desk, replies: TelegramReplies) -> None:
    await replies.answer_callback(query.id)  # always, or the button spins; stale data included
    inbound = from_callback(query)
    if inbound is not None:
        await replies.send(inbound.chat_id, await desk.handle(inbound))


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
    router.my_chat_member.register(on_unblocked)
    return router


async def on_topic_message(message: Message, desk: Desk, replies: TelegramReplies, topics: TopicStore,
                           groups: CentreChats) -> None:
    """A consultant wrote in a ticket's topic: commands, notes, or text for the user."""
    if message.from_user is None or message.from_user.is_bot or message.message_thread_id is None:
        return  # bots (and anonymous admins) never speak for the centre
    ticket_id = await topics.ticket_of(message.chat.id, message.message_thread_id)
    if ticket_id is None:  # another topic of the group: only the group's own commands
        await on_group_command(message, desk, replies, groups)
        return
    written = from_topic_message(message, ticket_id)
    if written is not None:
        await replies.send(message.chat.id, await desk.from_consultant(written), message.message_thread_id)


async def on_group_command(message: Message, desk: Desk, replies: TelegramReplies, groups: CentreChats) -> None:
    """A consultant's command outside any ticket (/present, /away in the general topic)."""
    if message.from_user is None or message.from_user.is_bot:
        return
    chat = groups.of_message(message.chat.id)
    centre = desk.centres.centre_of_group(chat.status.configured_id) if chat and desk.centres else None
    command = from_group_command(message, centre or "national")
    if command is not None:
        await replies.send(message.chat.id, await desk.in_group(command), message.message_thread_id)


async def on_topic_callback(query: CallbackQuery, desk: Desk, replies: TelegramReplies, topics: TopicStore) -> None:
    """A consultant pressed a button in a ticket's topic (an entry to send with /kb)."""
    await replies.answer_callback(query.id)
    message = query.message
    thread_id = getattr(message, "message_thread_id", None)  # an old message may be inaccessible
    if message is None or query.from_user.is_bot or thread_id is None:
        return
    ticket_id = await topics.ticket_of(message.chat.id, thread_id)
    if ticket_id is not None:
        said = await desk.from_consultant(from_topic_callback(query, ticket_id))
        await replies.send(message.chat.id, said, thread_id)


def consultant_router(groups: CentreChats) -> Router:
    """The consultants' forum supergroups (under the ids they moved to, if upgraded), and only they:
    no other chat can reach a user through the desk."""
    def ours(chat_id: int) -> bool:
        return groups.of_message(chat_id) is not None

    async def in_the_group_topics(message: Message) -> bool:
        return ours(message.chat.id) and bool(message.is_topic_message)

    async def a_command_in_the_group(message: Message) -> bool:
        return ours(message.chat.id) and (message.text or "").startswith("/")

    async def group_upgraded(message: Message) -> bool:
        return ours(message.chat.id) and message.migrate_to_chat_id is not None

    async def on_upgraded(message: Message) -> None:
        """Telegram's notice in the old group: follow the new id before a message is refused."""
        group = groups.of_message(message.chat.id)
        if group is not None:
            await group.moved(message.migrate_to_chat_id or message.chat.id)

    async def from_the_group(query: CallbackQuery) -> bool:
        return query.message is not None and ours(query.message.chat.id)

    router = Router(name="consultants")
    router.message.register(on_topic_message, in_the_group_topics)
    router.message.register(on_group_command, a_command_in_the_group)
    router.message.register(on_upgraded, group_upgraded)
    router.callback_query.register(on_topic_callback, from_the_group)
    return router
