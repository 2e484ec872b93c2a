"""Delivery into one consultants' forum group: one topic per ticket, opened with its card.

The relay outbox's deliverer (the consultants' group's lane). A ticket's topic is created on its first
message, named after the ticket, and opened with the ticket's card; a topic
someone deleted is created again on the next message ("message thread not
found"), a closed one is reopened, or created again when the bot may not reopen
it. A topic made anew starts with the card and the conversation so far.
Telegram users' files are copied into the topic; other channels' files arrive
announced by the desk. A text longer than one message is posted once, as its start
with the whole text attached in a .txt file: one post of the group's 20 a minute,
where splitting a 60,000-character message would take 15. The group itself moving or refusing the bot is the
business of `group.ConsultantsChat`: messages then wait, they are never failed.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

from aiogram.enums import ParseMode
from aiogram.exceptions import AiogramError, TelegramBadRequest, TelegramForbiddenError, TelegramMigrateToChat
from aiogram.methods import (
    CloseForumTopic,
    CopyMessage,
    CreateForumTopic,
    EditForumTopic,
    EditMessageText,
    ReopenForumTopic,
    SendDocument,
    SendMessage,
)
from aiogram.methods.base import TelegramMethod
from aiogram.types import BufferedInputFile

from bot.channels.telegram.group import PROBE_EVERY, ConsultantsChat, group_problem
from bot.channels.telegram.render import MAX_TEXT, mention, split_text, to_html, utf16_len
from bot.channels.telegram.sender import NO_PREVIEW, TelegramSender, outcome_of, send_messages
from bot.channels.telegram.topics import Topic, TopicStore
from bot.pipeline.outcome import Outcome
from bot.pipeline.relay_rows import Delivery
from bot.pipeline.shaping import Shaper, preview
from handlers.cards import TopicCard
from handlers.ports import RelayKind
from handlers.types import Channel, Reply
from handlers.working_hours import WorkingHours

log = logging.getLogger(__name__)
T = TypeVar("T")
CardSource = Callable[[int], Awaitable[TopicCard | None]]
TranscriptSource = Callable[[int, int], Awaitable[str | None]]  # (ticket, before message) -> text
AttachedNote = Callable[[int], str]  # a long text's length -> the line saying the whole is in the file
MAX_CAPTION = 1024  # a document's caption, in UTF-16 units
MIGRATIONS_FOLLOWED = 2  # per delivery: a group is upgraded once; more is a loop, not a migration


def group_shaper(hours: WorkingHours) -> Shaper:
    """A user's waiting texts merged into posts of one Telegram message, each part timed as the centre reads it."""
    return Shaper(MAX_TEXT, utf16_len, lambda at: hours.local(at).strftime("%H:%M"))


def topic_gone(exc: TelegramBadRequest) -> bool:
    text = exc.message.lower()
    return "thread not found" in text or "topic_deleted" in text


def topic_closed(exc: TelegramBadRequest) -> bool:
    return "topic_closed" in exc.message.lower()


def may_not_reopen(exc: TelegramBadRequest) -> bool:
    """reopenForumTopic refused: "not enough rights to manage topics"."""
    return "not enough rights" in exc.message.lower()


def topic_link(chat_id: int, thread_id: int) -> str:
    """A link that opens the topic for members of the (private) supergroup."""
    return f"https://t.me/c/{str(chat_id).removeprefix('-100')}/{thread_id}"


class ConsultantsGroup:
    """Delivers everything meant for the consultants: cards, the users' messages, notices, reminders."""

    def __init__(self, sender: TelegramSender, group: ConsultantsChat, topics: TopicStore, cards: CardSource,
                 transcripts: TranscriptSource, attached_note: AttachedNote) -> None:
        self.sender = sender
        self.group = group
        self.topics = topics
        self.cards = cards
        self.transcripts = transcripts
        self.attached_note = attached_note

    @property
    def chat_id(self) -> int:
        return self.group.chat_id

    async def __call__(self, delivery: Delivery) -> Outcome:
        """Deliver, following a migrated group at once; a broken group keeps the message waiting."""
        for _migration in range(MIGRATIONS_FOLLOWED + 1):
            if self.group.broken:
                return Outcome.unavailable(f"consultants' group unusable: {self.group.status.problem}", PROBE_EVERY)
            try:
                return Outcome.sent(await self._deliver(delivery))
            except TelegramMigrateToChat as exc:
                await self.group.moved(exc.migrate_to_chat_id)
            except AiogramError as exc:
                problem = group_problem(exc)
                if problem is None:
                    return outcome_of(exc)
                await self.group.broke(problem)
        return Outcome.retry("the consultants' group keeps moving")

    async def _deliver(self, delivery: Delivery) -> int:
        own_way = {RelayKind.REMINDER: self._general, RelayKind.MOVED: self.moved, RelayKind.OVERDUE: self._overdue,
                   RelayKind.RENAME: self._rename, RelayKind.CARD_EDIT: self._edit_card}.get(delivery.kind)
        if own_way is not None:
            return await own_way(delivery)
        if delivery.kind is RelayKind.OFFER and delivery.person is not None:
            text = f"{mention(delivery.person)}: {to_html(delivery.text)}"
            return (await self._in_topic(delivery, lambda thread: SendMessage(
                chat_id=self.chat_id, text=text, parse_mode=ParseMode.HTML, message_thread_id=thread))).message_id
        if delivery.kind is RelayKind.CARD:
            return (await self._topic(delivery)).thread_id
        if delivery.kind is RelayKind.MEDIA and delivery.ticket.channel is Channel.TELEGRAM:
            copied = await self._copy(delivery)
            if copied is not None:
                return copied
        if utf16_len(delivery.text) > MAX_TEXT:
            return (await self._in_topic(delivery, lambda thread: self._attached(delivery, thread))).message_id
        message_id = 0
        for method in send_messages(self.chat_id, [delivery.reply]):
            sent = await self._in_topic(delivery, lambda thread, m=method: m.model_copy(
                update={"message_thread_id": thread}))
            message_id = sent.message_id
        return message_id

    def _attached(self, delivery: Delivery, thread_id: int) -> SendDocument:
        """A long text as one post: its start as the caption, the whole text in a .txt file."""
        note = self.attached_note(len(delivery.text))
        start = preview(delivery.text, MAX_CAPTION - utf16_len(note) - 2, utf16_len)
        document = BufferedInputFile(delivery.text.encode("utf-8"),
                                     filename=f"ticket-{delivery.ticket.id}-message-{delivery.id}.txt")
        return SendDocument(chat_id=self.chat_id, message_thread_id=thread_id, document=document,
                            caption=to_html(f"{start}\n\n{note}"), parse_mode=ParseMode.HTML)

    async def _call(self, method: TelegramMethod[T]) -> T:
        return await self.sender.call(self.chat_id, method)

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

    async def _topic(self, delivery: Delivery) -> Topic:
        """The ticket's topic, created with its card when there is none (yet, or any more: a topic
        left in the group's old chat after an upgrade is made anew too)."""
        ticket_id = delivery.ticket.id
        topic = await self.topics.get(ticket_id)
        if topic is not None and topic.chat_id != self.chat_id:
            await self.topics.forget(ticket_id)
            topic = None
        if topic is None:
            card = await self._card(ticket_id)
            created = await self._call(CreateForumTopic(chat_id=self.chat_id, name=card.title))
            topic = await self.topics.save(ticket_id, self.chat_id, created.message_thread_id)
            log.info("ticket %s: forum topic %s created", ticket_id, topic.thread_id)
        if topic.card_message_id is None:
            topic = await self._post_card(topic)
            await self._post_transcript(topic, delivery.id)
        return topic

    async def _post_transcript(self, topic: Topic, before: int) -> None:
        """Under the card of a topic made anew: what was said in the ticket before this message."""
        text = await self.transcripts(topic.ticket_id, before)
        if text is not None:
            await self._send(self.chat_id, Reply(text), topic.thread_id)

    async def _send(self, chat_id: int, reply: Reply, thread_id: int | None = None) -> int:
        """A reply's messages in turn (split to Telegram's limit); the id of the last one."""
        sent = 0
        for method in send_messages(chat_id, [reply], thread_id):
            sent = (await self.sender.call(chat_id, method)).message_id
        return sent

    async def _in_topic(self, delivery: Delivery, make: Callable[[int], TelegramMethod[T]]) -> T:
        ticket_id = delivery.ticket.id
        topic = await self._topic(delivery)
        try:
            return await self._call(make(topic.thread_id))
        except TelegramBadRequest as exc:
            if topic_gone(exc):
                log.warning("ticket %s: topic %s was deleted, creating it again", ticket_id, topic.thread_id)
                topic = await self._anew(delivery)
            elif topic_closed(exc):
                topic = await self._reopen(delivery, topic)
            else:
                raise
            return await self._call(make(topic.thread_id))

    async def _anew(self, delivery: Delivery) -> Topic:
        await self.topics.forget(delivery.ticket.id)
        return await self._topic(delivery)

    async def _reopen(self, delivery: Delivery, topic: Topic) -> Topic:
        """A closed topic is reopened; when the bot may not, the ticket gets a new one."""
        try:
            await self._call(ReopenForumTopic(chat_id=self.chat_id, message_thread_id=topic.thread_id))
        except TelegramBadRequest as exc:
            if not may_not_reopen(exc):
                raise
            log.warning("ticket %s: topic %s is closed and the bot may not reopen it (%s): creating a new one",
                        delivery.ticket.id, topic.thread_id, exc.message)
            return await self._anew(delivery)
        return topic

    async def _edit_card(self, delivery: Delivery) -> int:
        ticket_id = delivery.ticket.id
        topic = await self._topic(delivery)
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
            copied = await self._in_topic(delivery, lambda thread: CopyMessage(
                chat_id=self.chat_id, from_chat_id=int(delivery.ticket.chat_id),
                message_id=int(delivery.source_id), message_thread_id=thread))
        except TelegramBadRequest as exc:  # deleted by the user, or a caption too long for a topic
            if group_problem(exc) is not None:
                raise  # the group's trouble, not the file's
            log.warning("ticket %s: could not copy message %s: %s", delivery.ticket.id, delivery.source_id, exc)
            return None
        return copied.message_id

    async def _general(self, delivery: Delivery, chat_id: int | None = None) -> int:
        """Into the group's general topic (or another chat), with a link to the ticket's topic."""
        topic = await self.topics.get(delivery.ticket.id)
        text = delivery.text + (f"\n{topic_link(self.chat_id, topic.thread_id)}" if topic else "")
        return await self._send(chat_id or self.chat_id, Reply(text))

    async def moved(self, delivery: Delivery) -> int:
        """A transferred ticket's old topic: its last line, then closed and forgotten."""
        topic = await self.topics.get(delivery.ticket.id)
        if topic is None:
            return 0
        try:
            sent = await self._send(self.chat_id, delivery.reply, topic.thread_id)
            await self._call(CloseForumTopic(chat_id=self.chat_id, message_thread_id=topic.thread_id))
        except TelegramBadRequest as exc:  # deleted or closed already: nothing left to close
            if group_problem(exc) is not None:
                raise
            log.warning("ticket %s: old topic %s not closed: %s", delivery.ticket.id, topic.thread_id, exc.message)
            sent = 0
        await self.topics.forget(delivery.ticket.id)
        return sent

    async def _rename(self, delivery: Delivery) -> int:
        """The topic's name as the ticket's title is now (late-flagged, or the flag taken off)."""
        topic = await self._topic(delivery)
        card = await self._card(delivery.ticket.id)
        try:
            await self._call(EditForumTopic(chat_id=self.chat_id, message_thread_id=topic.thread_id, name=card.title))
        except TelegramBadRequest as exc:  # "TOPIC_NOT_MODIFIED", or a topic deleted meanwhile
            if group_problem(exc) is not None:
                raise
            log.warning("ticket %s: topic not renamed: %s", delivery.ticket.id, exc.message)
        return topic.thread_id

    async def _overdue(self, delivery: Delivery) -> int:
        """A late ticket: its topic's name flagged, the head told in private (else the general topic)."""
        await self._rename(delivery)
        head = delivery.person
        if head is not None and head.id.lstrip("-").isdigit():
            try:
                return await self._general(delivery, int(head.id))
            except (TelegramForbiddenError, TelegramBadRequest) as exc:  # never started the bot, or blocked it
                log.warning("ticket %s: the centre's head could not be told (%s): told the group instead",
                            delivery.ticket.id, exc.message)
        return await self._general(delivery)
