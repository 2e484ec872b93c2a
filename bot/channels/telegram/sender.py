"""The one way out to Telegram: replies rendered and written first (`TelegramReplies`, into
`bot.pipeline.outbound`), then sent by the send side (`TelegramSender.send_body`), paced, each
answer mapped to an Outcome the scheduler's retry policy reads. The composition root builds the
send side first and gives it to the scheduler; the replies' writer gets the scheduler."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import aiohttp
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.enums import ParseMode
from aiogram.exceptions import AiogramError, TelegramNetworkError, TelegramRetryAfter, TelegramServerError
from aiogram.methods import AnswerCallbackQuery, SendMessage, TelegramMethod
from aiogram.types import LinkPreviewOptions

from bot.app.config import Settings
from bot.channels.telegram.render import render
from bot.channels.telegram.session import post_json
from bot.ops.metrics import Metrics
from bot.pipeline import jsonio
from bot.pipeline.outbound import Outbound
from bot.pipeline.outcome import Outcome
from bot.pipeline.pacing import UNLIMITED, Pacer, Rate
from handlers import Reply

log = logging.getLogger(__name__)
T = TypeVar("T")
CHANNEL = "telegram"
# Answers cite the law by link; a preview card of the legal portal would bury the answer.
NO_PREVIEW_JSON = {"is_disabled": True}  # as Bot API JSON, shared by every body (only ever read)
NO_PREVIEW = LinkPreviewOptions(**NO_PREVIEW_JSON)  # the same, for aiogram's methods


@dataclass(frozen=True)
class TelegramLimits:
    """Telegram's flood limits (Bot FAQ): about 30 messages/s overall, 1/s in a chat, 20/min in a group.

    A private chat tolerates a short burst (a desk reply is rarely more than three messages); a
    group does not: its 20 a minute are spaced evenly, so the desk never meets its 429s.
    """

    overall: Rate = UNLIMITED
    chat: Rate = UNLIMITED
    group: Rate = UNLIMITED

    @classmethod
    def from_settings(cls, settings: Settings) -> TelegramLimits:
        overall = settings.telegram_messages_per_second
        return cls(overall=Rate(overall, burst=max(1, int(overall))),
                   chat=Rate(settings.telegram_chat_messages_per_second, burst=3),
                   group=Rate(settings.telegram_group_messages_per_minute / 60))

    def slots(self, chat_id: int | str) -> tuple[tuple[str, Rate], ...]:
        """The keys a message to `chat_id` books, its chat first: groups and channels have negative ids."""
        in_group = str(chat_id).startswith("-")
        return ((f"telegram:{chat_id}", self.group if in_group else self.chat), ("telegram", self.overall))


def message_bodies(chat_id: int | str, replies: Sequence[Reply],
                   thread_id: int | None = None) -> list[dict[str, Any]]:
    """The sendMessage calls of some replies as Bot API JSON: HTML, split to Telegram's limit, keyboard last."""
    bodies = []
    for message in render(replies):
        body: dict[str, Any] = {"chat_id": chat_id, "text": message.text, "parse_mode": ParseMode.HTML.value,
                                "link_preview_options": NO_PREVIEW_JSON}
        if message.reply_markup is not None:
            body["reply_markup"] = message.reply_markup
        if thread_id is not None:
            body["message_thread_id"] = thread_id
        bodies.append(body)
    return bodies


def outcome_of(exc: AiogramError) -> Outcome:
    """Flood limits and server or network trouble are worth a retry; the rest is final."""
    if isinstance(exc, TelegramRetryAfter):
        return Outcome.retry(f"flood limit: {exc.message}", after=float(exc.retry_after))
    if isinstance(exc, TelegramServerError | TelegramNetworkError):
        return Outcome.retry(f"{type(exc).__name__}: {exc.message}")
    return Outcome.failed(f"{type(exc).__name__}: {getattr(exc, 'message', exc)}")


def outcome_of_answer(status: int, raw: bytes) -> tuple[Outcome, str]:
    """The Bot API's answer to a ready body as an Outcome, with the metrics label of a retry: the one
    mapping of its errors for the desk's messages (429 and 5xx are worth another try, the rest is final)."""
    try:
        answer = jsonio.loads(raw)
    except ValueError:
        answer = None
    answer = answer if isinstance(answer, dict) else {}
    result = answer.get("result")
    if answer.get("ok") is True and isinstance(result, dict):
        return Outcome.sent(result.get("message_id", "")), ""
    code = answer.get("error_code") if isinstance(answer.get("error_code"), int) else status
    description = str(answer.get("description") or f"HTTP {status}")
    parameters = answer.get("parameters") if isinstance(answer.get("parameters"), dict) else {}
    if code == 429:
        return Outcome.retry(f"flood limit: {description}", after=float(parameters.get("retry_after") or 1)), "flood"
    if code >= 500 or not answer:
        return Outcome.retry(f"server: {code}: {description}"), "server"
    return Outcome.failed(f"{code}: {description}"), ""


def send_messages(chat_id: int | str, replies: Sequence[Reply],
                  thread_id: int | None = None) -> list[SendMessage]:
    """The same calls as aiogram methods, for the paths that need aiogram's Message back."""
    return [SendMessage.model_validate(body) for body in message_bodies(chat_id, replies, thread_id)]


class TelegramSender:
    """The Telegram send side: a rendered body out, the Bot API's answer read into an Outcome."""

    def __init__(self, bot: Bot, pacer: Pacer | None = None, limits: TelegramLimits | None = None,
                 metrics: Metrics | None = None) -> None:
        if not isinstance(bot.session, AiohttpSession):
            raise TypeError("the desk's Bot sends through aiogram's AiohttpSession (see service.build_bot)")
        self.bot = bot
        self.session = bot.session
        self.pacer = pacer or Pacer()
        self.limits = limits or TelegramLimits()
        self.metrics = metrics or Metrics()

    async def send_body(self, chat_id: str, body: dict[str, Any]) -> Outcome:
        """One sendMessage from its ready body, within the flood limits; its outcome, never raised."""
        await self.pacer.wait(*self.limits.slots(chat_id))
        try:
            status, raw = await post_json(self.bot, self.session, "sendMessage", body)
        except (TimeoutError, aiohttp.ClientError) as exc:
            outcome, reason = Outcome.retry(f"network: {type(exc).__name__}: {exc}"), "network"
        else:
            outcome, reason = outcome_of_answer(status, raw)
        if outcome.status == "retry":
            self.metrics.outbound_retries.labels(CHANNEL, reason).inc()
        return outcome

    async def call(self, chat_id: int | str, method: TelegramMethod[T]) -> T:
        """One aiogram call within the flood limits of `chat_id` (the paths that need its result); raises."""
        await self.pacer.wait(*self.limits.slots(chat_id))
        return await self.bot(method)

    async def answer_callback(self, query_id: str) -> None:
        """Stop the button's spinner: one try, never retried (a courtesy must not hold the answer,
        and an old query, e.g. replayed after a restart, is refused anyway); a failure only logs."""
        try:
            await self.bot(AnswerCallbackQuery(callback_query_id=query_id))
        except AiogramError as exc:
            log.warning("answerCallbackQuery failed: %s: %s", type(exc).__name__, getattr(exc, "message", exc))


class TelegramReplies:
    """The desk's replies to a chat, rendered and written to its lane (`Outbound`); sent later by the
    scheduler through `TelegramSender.send_body`."""

    def __init__(self, outbound: Outbound, sender: TelegramSender) -> None:
        self.outbound = outbound
        self.sender = sender

    async def send(self, chat_id: int | str, replies: Sequence[Reply], thread_id: int | None = None) -> None:
        """Every part of every reply, in order (into a forum topic if given): written, then sent in
        the chat's lane; a part Telegram refuses for good drops the rest of its reply."""
        await self.outbound.put(CHANNEL, str(chat_id), message_bodies(chat_id, replies, thread_id))

    async def answer_callback(self, query_id: str) -> None:
        await self.sender.answer_callback(query_id)
