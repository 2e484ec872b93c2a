"""The consultants' workspace: a Telegram forum supergroup with one topic per ticket.

The outbox's "consultants" deliverer. A ticket's topic is created on its first
message, named after the ticket, and opened with the ticket's card; a topic
someone deleted is created again on the next message ("message thread not
found"), a closed one is reopened. Telegram users' files are copied into the
topic; other channels' files arrive announced by the desk.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

from aiogram.enums import ParseMode
from aiogram.exceptions import AiogramError, TelegramBadRequest
from aiogram.methods import CopyMessage, CreateForumTopic, EditMessageText, ReopenForumTopic, SendMessage
from aiogram.methods.base import TelegramMethod

from bot.channels.telegram.delivery import outcome_of, paced
from bot.channels.telegram.render import MAX_TEXT, split_text, to_html
from bot.channels.telegram.sender import NO_PREVIEW, TelegramSender, send_messages
from bot.channels.telegram.topics import Topic, TopicStore
from bot.outbox import Delivery, Outcome
from handlers.cards import TopicCard
from handlers.ports import RelayKind
from handlers.types import Channel, Reply

log = logging.getLogger(__name__)
T = TypeVar("T")
CardSource = Callable[[int], Awaitable[TopicCard | None]]


def topic_gone(exc: TelegramBadRequest) -> bool:
    text = exc.message.lower()
    return "thread not found" in text or "topic_deleted" in text


def topic_closed(exc: TelegramBadRequest) -> bool:
    return "topic_closed" in exc.message.lower()


def topic_link(chat_id: int, thread_id: int) -> str:
    """A link that opens the topic for members of the (private) supergroup."""
    return f"https://t.me/c/{str(chat_id).removeprefix('-100')}/{thread_id}"


class ConsultantsGroup:
    """Delivers everything meant for the consultants: cards, the users' messages, notices, reminders."""

    def __init__(self, sender: TelegramSender, chat_id: int, topics: TopicStore, cards: CardSource) -> None:
        self.sender = sender
        self.chat_id = chat_id
        self.topics = topics
        self.cards = cards

    async def __call__(self, delivery: Delivery) -> Outcome:
        try:
            return Outcome.sent(await self._deliver(delivery))
        except AiogramError as exc:
            return outcome_of(exc)

    async def _deliver(self, delivery: Delivery) -> int:
        ticket_id = delivery.ticket.id
        if delivery.kind is RelayKind.REMINDER:
            return await self._general(delivery)
        if delivery.kind is RelayKind.CARD:
            return (await self._topic(ticket_id)).thread_id
        if delivery.kind is RelayKind.CARD_EDIT:
            return await self._edit_card(ticket_id)
        if delivery.kind is RelayKind.MEDIA and delivery.ticket.channel is Channel.TELEGRAM:
            copied = await self._copy(delivery)
            if copied is not None:
                return copied
        message_id = 0
        for method in send_messages(self.chat_id, [delivery.reply]):
            sent = await self._in_topic(ticket_id, lambda thread, m=method: m.model_copy(
                update={"message_thread_id": thread}))
            message_id = sent.message_id
        return message_id

    async def _call(self, method: TelegramMethod[T]) -> T:
        return await paced(self.sender, self.chat_id, method)

    async def _card(self, ticket_id: int) -> TopicCard:
        card = await self.cards(ticket_id)
        if card is None:
            raise LookupError(f"ticket {ticket_id} does not exist")
        return card

    async def _post_card(self, topic: Topic) -> Topic:
        card = await self._card(topic.ticket_id)
        text = to_html(split_text(card.text, MAX_TEXT)[0])
        sent = await self._call(SendMessage(chat_id=self.chat_id, text=text, parse_mode=ParseMode.HTML,
                                            message_thread_id=topic.thread_id, link_preview_options=NO_PREVIEW))
        await self.topics.set_card(topic.ticket_id, sent.message_id)
        return Topic(topic.ticket_id, topic.chat_id, topic.thread_id, sent.message_id)

    async def _topic(self, ticket_id: int) -> Topic:
        """The ticket's topic, created with its card when there is none (yet, or any more)."""
        topic = await self.topics.get(ticket_id)
        if topic is None:
            card = await self._card(ticket_id)
            created = await self._call(CreateForumTopic(chat_id=self.chat_id, name=card.title))
            topic = await self.topics.save(ticket_id, self.chat_id, created.message_thread_id)
            log.info("ticket %s: forum topic %s created", ticket_id, topic.thread_id)
        if topic.card_message_id is None:
            topic = await self._post_card(topic)
        return topic

    async def _in_topic(self, ticket_id: int, make: Callable[[int], TelegramMethod[T]]) -> T:
        topic = await self._topic(ticket_id)
        try:
            return await self._call(make(topic.thread_id))
        except TelegramBadRequest as exc:
            if topic_gone(exc):
                log.warning("ticket %s: topic %s was deleted, creating it again", ticket_id, topic.thread_id)
                await self.topics.forget(ticket_id)
                topic = await self._topic(ticket_id)
            elif topic_closed(exc):
                await self._call(ReopenForumTopic(chat_id=self.chat_id, message_thread_id=topic.thread_id))
            else:
                raise
            return await self._call(make(topic.thread_id))

    async def _edit_card(self, ticket_id: int) -> int:
        topic = await self._topic(ticket_id)
        card = await self._card(ticket_id)
        try:
            await self._call(EditMessageText(
                chat_id=self.chat_id, message_id=topic.card_message_id, parse_mode=ParseMode.HTML,
                text=to_html(split_text(card.text, MAX_TEXT)[0]), link_preview_options=NO_PREVIEW))
        except TelegramBadRequest as exc:
            if "not modified" in exc.message.lower():
                return topic.card_message_id or 0
            if "message to edit not found" not in exc.message.lower():
                raise
            topic = await self._post_card(topic)  # the card was deleted: post it anew
        return topic.card_message_id or 0

    async def _copy(self, delivery: Delivery) -> int | None:
        """Copy a Telegram user's file into the topic; None to announce it instead."""
        if not delivery.source_id.isdigit():
            return None
        try:
            copied = await self._in_topic(delivery.ticket.id, lambda thread: CopyMessage(
                chat_id=self.chat_id, from_chat_id=int(delivery.ticket.chat_id),
                message_id=int(delivery.source_id), message_thread_id=thread))
        except TelegramBadRequest as exc:  # deleted by the user, or a caption too long for a topic
            log.warning("ticket %s: could not copy message %s: %s", delivery.ticket.id, delivery.source_id, exc)
            return None
        return copied.message_id

    async def _general(self, delivery: Delivery) -> int:
        topic = await self.topics.get(delivery.ticket.id)
        text = delivery.text + (f"\n{topic_link(self.chat_id, topic.thread_id)}" if topic else "")
        sent = 0
        for method in send_messages(self.chat_id, [Reply(text)]):
            sent = (await self._call(method)).message_id
        return sent
