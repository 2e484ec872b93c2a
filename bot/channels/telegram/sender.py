"""The one way out to Telegram: rendered replies, paced; what Telegram does not take at once is kept
(`bot.pipeline.outbound`) and sent again until the delivery deadline; errors logged, not raised."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from aiogram import Bot
from aiogram.enums import ParseMode
from aiogram.exceptions import AiogramError, TelegramNetworkError, TelegramRetryAfter, TelegramServerError
from aiogram.methods import AnswerCallbackQuery, SendMessage, TelegramMethod
from aiogram.types import LinkPreviewOptions

from bot.app.config import Settings
from bot.channels.telegram.render import render
from bot.channels.telegram.session import JsonSession
from bot.ops.metrics import Metrics
from bot.pipeline.outbound import Outbound
from bot.pipeline.outcome import Outcome
from bot.pipeline.pacing import UNLIMITED, Pacer, Rate
from handlers import Reply

log = logging.getLogger(__name__)
CHANNEL = "telegram"
T = TypeVar("T")
MAX_ATTEMPTS = 3
MAX_WAIT = 60.0  # a longer flood ban is not waited out while the chat's updates queue up
RETRY_DELAY = 1.0  # after a 5xx, a timeout or a dropped connection; doubles per attempt
# Answers cite the law by link; a preview card of the legal portal would bury the answer.
NO_PREVIEW_JSON = {"is_disabled": True}  # as Bot API JSON, shared by every body (only ever read)
NO_PREVIEW = LinkPreviewOptions(**NO_PREVIEW_JSON)  # the same, for aiogram's methods


async def pause(seconds: float) -> None:
    """Wait out a flood limit (the seam tests replace to keep time)."""
    await asyncio.sleep(seconds)


@dataclass(frozen=True)
class TelegramLimits:
    """Telegram's flood limits (Bot FAQ): about 30 messages/s overall, 1/s in a chat, 20/min in a group.

    Short bursts are tolerated; a desk reply is rarely more than three messages.
    """

    overall: Rate = UNLIMITED
    chat: Rate = UNLIMITED
    group: Rate = UNLIMITED

    @classmethod
    def from_settings(cls, settings: Settings) -> TelegramLimits:
        overall = settings.telegram_messages_per_second
        return cls(overall=Rate(overall, burst=max(1, int(overall))),
                   chat=Rate(settings.telegram_chat_messages_per_second, burst=3),
                   group=Rate(settings.telegram_group_messages_per_minute / 60, burst=3))

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


def send_messages(chat_id: int | str, replies: Sequence[Reply],
                  thread_id: int | None = None) -> list[SendMessage]:
    """The same calls as aiogram methods, for the paths that need aiogram's Message back."""
    return [SendMessage.model_validate(body) for body in message_bodies(chat_id, replies, thread_id)]


class TelegramSender:
    """Sends the desk's replies to one chat; a failed call never breaks processing."""

    def __init__(self, bot: Bot, pacer: Pacer | None = None, limits: TelegramLimits | None = None,
                 metrics: Metrics | None = None, outbound: Outbound | None = None) -> None:
        """`outbound`: where messages Telegram did not take at once are kept (None: dropped, logged)."""
        if not isinstance(bot.session, JsonSession):
            raise TypeError("the desk's Bot sends through a JsonSession (see service.build_bot)")
        self.bot = bot
        self.session = bot.session
        self.pacer = pacer or Pacer()
        self.limits = limits or TelegramLimits()
        self.metrics = metrics or Metrics()
        self.outbound = outbound
        if outbound is not None:
            outbound.register(CHANNEL, self.send_body)

    async def send(self, chat_id: int | str, replies: Sequence[Reply], thread_id: int | None = None) -> int:
        """Send every part of every reply in order (into a forum topic if given); returns how many went out.

        A part Telegram does not take at once (429, 5xx, a timeout) is kept with the parts after
        it, and they go out later in order; so does everything for a chat that has parts waiting.
        After a final refusal the rest is dropped: later parts would read out of context.
        """
        bodies = message_bodies(chat_id, replies, thread_id)
        if self.outbound is not None and self.outbound.holds(CHANNEL, str(chat_id)):
            await self.outbound.put(CHANNEL, str(chat_id), bodies, after=0, error="queued behind earlier messages")
            return 0
        for sent, body in enumerate(bodies):
            outcome = await self.send_body(str(chat_id), body)
            if outcome.status == "sent":
                continue
            if outcome.status == "retry" and self.outbound is not None:
                await self.outbound.put(CHANNEL, str(chat_id), bodies[sent:], outcome.retry_after, outcome.error)
            else:
                log.error("sendMessage failed: %s", outcome.error)
            return sent
        return len(bodies)

    async def send_body(self, chat_id: str, body: dict[str, Any]) -> Outcome:
        """One sendMessage from its ready body, within the flood limits; its outcome, never raised."""
        await self.pacer.wait(*self.limits.slots(chat_id))
        try:
            return Outcome.sent(await self.session.send_message(self.bot, body))
        except AiogramError as exc:
            outcome = outcome_of(exc)
            reason = ("flood" if isinstance(exc, TelegramRetryAfter)
                      else "server" if isinstance(exc, TelegramServerError)
                      else "network" if isinstance(exc, TelegramNetworkError) else type(exc).__name__)
            (self.metrics.outbound_retries if outcome.status == "retry" else self.metrics.outbound_errors).labels(
                CHANNEL, reason).inc()
            return outcome

    async def answer_callback(self, query_id: str) -> None:
        """Stop the button's spinner; an old query (e.g. replayed after a restart) only logs."""
        await self.call(AnswerCallbackQuery(callback_query_id=query_id))

    async def call(self, method: TelegramMethod[T]) -> T | None:
        """Run a Bot API method, waiting out 429s, 5xx and network errors a few times; None when it failed."""
        return await self._attempts(method.__api_method__, lambda: self.bot(method))

    async def _attempts(self, name: str, attempt_call: Callable[[], Awaitable[T]]) -> T | None:
        """Make a call, waiting out 429s, 5xx and network errors a few times; None when it failed.

        A timeout may hide a message Telegram did send: retrying risks a rare repeat,
        which beats a silent loss in a desk people ask legal questions.
        """
        for attempt in range(1, MAX_ATTEMPTS + 1):
            try:
                return await attempt_call()
            except TelegramRetryAfter as exc:
                if attempt == MAX_ATTEMPTS or exc.retry_after > MAX_WAIT:
                    log.error("%s gave up after %d flood-limit answers: %s",
                              name, attempt, exc)
                    self.metrics.outbound_errors.labels("telegram", "flood").inc()
                    return None
                log.warning("%s flood-limited, retrying in %s s", name, exc.retry_after)
                self.metrics.outbound_retries.labels("telegram", "flood").inc()
                await pause(exc.retry_after)
            except (TelegramServerError, TelegramNetworkError) as exc:
                reason = "server" if isinstance(exc, TelegramServerError) else "network"
                if attempt == MAX_ATTEMPTS:
                    log.error("%s gave up after %d attempts: %s", name, attempt, exc)
                    self.metrics.outbound_errors.labels("telegram", reason).inc()
                    return None
                log.warning("%s failed (%s), retrying: %s", name, reason, exc)
                self.metrics.outbound_retries.labels("telegram", reason).inc()
                await pause(RETRY_DELAY * 2 ** (attempt - 1))
            except AiogramError as exc:
                log.error("%s failed: %s: %s", name, type(exc).__name__, exc)
                self.metrics.outbound_errors.labels("telegram", type(exc).__name__).inc()
                return None
        return None
