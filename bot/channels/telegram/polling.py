"""Long polling for development: the same inbox and dispatcher as the webhook.

Each update is stored before the offset moves past it, so a crash re-fetches
rather than loses it, and duplicates are dropped by the inbox as usual.
getUpdates is refused while a webhook is set, and deleting someone's webhook
would silently leave the webhook instances deaf: polling starts only when no
webhook is registered for the token, or with --force, which says what it removed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from aiogram import Bot
from aiogram.exceptions import TelegramRetryAfter
from aiogram.methods import GetUpdates
from aiohttp import web

from bot.channels.telegram.errors import TelegramSetupError
from bot.channels.telegram.webhook import CHANNEL, chat_key
from bot.pipeline.inbox import Inbox

log = logging.getLogger(__name__)
MAX_BACKOFF = 60.0


class Poller:
    """getUpdates in a loop, started and stopped with the aiohttp application."""

    def __init__(self, bot: Bot, inbox: Inbox, allowed_updates: list[str],
                 timeout: int = 30, *, force: bool = False) -> None:
        self.bot = bot
        self.force = force
        self.inbox = inbox
        self.allowed_updates = allowed_updates
        self.timeout = timeout
        self.offset: int | None = None
        self.task: asyncio.Task[None] | None = None

    async def start(self, app: web.Application) -> None:
        await self.take_over_from_webhook()
        self.task = asyncio.create_task(self.run(), name="telegram-polling")

    async def take_over_from_webhook(self) -> None:
        """Refuse to poll while a webhook is registered, unless forced: then remove it (updates kept)."""
        registered = (await self.bot.get_webhook_info()).url
        if not registered:
            return
        if not self.force:
            raise TelegramSetupError(
                f"a webhook is registered for this bot token ({registered}): polling would take the "
                "updates away from the instances serving it. Stop them first, or start with "
                "`civic-desk serve --polling --force` to remove the webhook")
        await self.bot.delete_webhook(drop_pending_updates=False)
        log.warning("removed the Telegram webhook %s (--force): this instance polls instead", registered)

    async def stop(self, app: web.Application) -> None:
        if self.task is not None:
            self.task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.task

    async def poll_once(self) -> int:
        """Fetch one batch and store it; returns how many updates came."""
        method = GetUpdates(offset=self.offset, timeout=self.timeout,
                            allowed_updates=self.allowed_updates)
        updates = await self.bot(method, request_timeout=self.timeout + 30)
        for update in updates:
            payload = update.model_dump(mode="json", by_alias=True, exclude_unset=True)
            await self.inbox.accept(CHANNEL, str(update.update_id), payload,
                                    order_key=chat_key(payload))
            self.offset = max(self.offset or 0, update.update_id + 1)
        return len(updates)

    async def run(self) -> None:
        delay = 1.0
        while True:
            try:
                await self.poll_once()
                delay = 1.0
            except TelegramRetryAfter as exc:
                await asyncio.sleep(exc.retry_after)
            except Exception:  # the network or the database is down: wait and try again
                log.exception("Telegram polling failed, retrying in %.0f s", delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, MAX_BACKOFF)
