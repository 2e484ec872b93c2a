"""The one way out to Telegram: rendered replies, flood-limit retries, errors logged not raised."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import TypeVar

from aiogram import Bot
from aiogram.enums import ParseMode
from aiogram.exceptions import AiogramError, TelegramRetryAfter
from aiogram.methods import AnswerCallbackQuery, SendMessage, TelegramMethod
from aiogram.types import LinkPreviewOptions

from bot.channels.telegram.render import render
from handlers import Reply

log = logging.getLogger(__name__)
T = TypeVar("T")
MAX_ATTEMPTS = 3
MAX_WAIT = 60.0  # a longer flood ban is not waited out while the chat's updates queue up
# Answers cite the law by link; a preview card of the legal portal would bury the answer.
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)


async def pause(seconds: float) -> None:
    """Wait out a flood limit (the seam tests replace to keep time)."""
    await asyncio.sleep(seconds)


class TelegramSender:
    """Sends the desk's replies to one chat; a failed call never breaks processing."""

    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    async def send(self, chat_id: int | str, replies: Sequence[Reply]) -> int:
        """Send every part of every reply in order; returns how many went out.

        After a failure the rest is dropped: later parts would read out of context.
        """
        sent = 0
        for message in render(replies):
            method = SendMessage(chat_id=chat_id, text=message.text, parse_mode=ParseMode.HTML,
                                 reply_markup=message.reply_markup, link_preview_options=NO_PREVIEW)
            if await self.call(method) is None:
                break
            sent += 1
        return sent

    async def answer_callback(self, query_id: str) -> None:
        """Stop the button's spinner; an old query (e.g. replayed after a restart) only logs."""
        await self.call(AnswerCallbackQuery(callback_query_id=query_id))

    async def call(self, method: TelegramMethod[T]) -> T | None:
        """Run a Bot API method, waiting out 429s a few times; None when it failed."""
        for attempt in range(1, MAX_ATTEMPTS + 1):
            try:
                return await self.bot(method)
            except TelegramRetryAfter as exc:
                if attempt == MAX_ATTEMPTS or exc.retry_after > MAX_WAIT:
                    log.error("%s gave up after %d flood-limit answers: %s",
                              method.__api_method__, attempt, exc)
                    return None
                log.warning("%s flood-limited, retrying in %s s", method.__api_method__,
                            exc.retry_after)
                await pause(exc.retry_after)
            except AiogramError as exc:
                log.error("%s failed: %s: %s", method.__api_method__, type(exc).__name__, exc)
                return None
        return None
