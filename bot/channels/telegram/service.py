"""The Telegram adapter, built from the collaborators it uses and mounted on the service.

One Bot and one Dispatcher serve both modes: the webhook stores updates in the
inbox, long polling does the same, and the inbox feeds them to the dispatcher
(`TelegramChannel.process`). The composition root (`bot.app.compose`) builds the send
side first (`TelegramSender`, and the deliverers built on it: `TelegramUsers` for the users'
lanes, `consultants_groups` for the relay outbox), gives them to the schedulers, then builds
this inbound side on the scheduler (`TelegramReplies`), hands its processor to the inbox and
mounts it.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import AiogramError
from aiogram.utils.token import TokenValidationError, validate_token
from aiohttp import web

from bot.app.config import Settings
from bot.channels.telegram.centre_groups import CentreChats, CentreGroups
from bot.channels.telegram.errors import TelegramSetupError
from bot.channels.telegram.group import GroupWatch
from bot.channels.telegram.group_delivery import AttachedNote, CardSource, ConsultantsGroup, TranscriptSource
from bot.channels.telegram.mapper import private_text
from bot.channels.telegram.polling import Poller
from bot.channels.telegram.responses import pin_response_models
from bot.channels.telegram.routers import Release, answer_private, consultant_router, customer_router
from bot.channels.telegram.sender import TelegramReplies, TelegramSender
from bot.channels.telegram.topics import TopicStore
from bot.channels.telegram.webhook import CHANNEL, PATH, webhook_handler
from bot.pipeline import jsonio
from bot.pipeline.inbox import Inbox
from handlers import Desk, Inbound, Reply

log = logging.getLogger(__name__)
# setWebhook's secret_token: 1-256 characters of A-Z, a-z, 0-9, _ and -.
SECRET_FORMAT = re.compile(r"[A-Za-z0-9_-]{1,256}")
StartupHook = Callable[[web.Application], Awaitable[None]]


def build_bot(settings: Settings) -> Bot:
    """The Bot on DESK_TELEGRAM_API_URL; a missing or malformed token stops the start.

    The desk's messages go as ready JSON bodies on its session (`session.post_json`).
    """
    pin_response_models()
    token = settings.telegram_token.get_secret_value().strip()
    if not token:
        raise TelegramSetupError("DESK_TELEGRAM_TOKEN is not set: put the token @BotFather "
                                 "gave the bot there")
    try:
        validate_token(token)
    except TokenValidationError:
        raise TelegramSetupError("DESK_TELEGRAM_TOKEN is malformed: a bot token looks like "
                                 "123456789:AAE..., digits, a colon, then the secret") from None
    session = AiohttpSession(api=TelegramAPIServer.from_base(settings.telegram_api_url),
                             timeout=settings.telegram_request_timeout,
                             json_loads=jsonio.loads, json_dumps=jsonio.dumps)
    return Bot(token, session=session)


def webhook_secret(settings: Settings) -> str:
    secret = settings.telegram_webhook_secret.get_secret_value()
    if not SECRET_FORMAT.fullmatch(secret):
        raise TelegramSetupError("DESK_TELEGRAM_WEBHOOK_SECRET must be set to 1-256 characters "
                                 "of A-Z, a-z, 0-9, _ and - (the webhook is refused without it)")
    return secret


@dataclass(frozen=True)
class Workspace:
    """The consultants' forum groups as the Telegram side needs them: where each is, the topic of
    each ticket, and the card and transcript a topic made anew starts with."""

    chats: CentreChats
    topics: TopicStore
    card: CardSource
    transcript: TranscriptSource
    note: AttachedNote


def build_dispatcher(desk: Desk, replies: TelegramReplies, release: Release,
                     workspace: Workspace | None = None) -> Dispatcher:
    """Routers with the desk, the replies' writer and the topic map injected into every handler by name.

    No FSM: no handler uses aiogram's states (the desk keeps its own in its database), and
    the FSM middleware (a storage look-up and a context per update) would only cost CPU.
    """
    topics = workspace.topics if workspace is not None else None
    chats = workspace.chats if workspace is not None else None
    dispatcher = Dispatcher(desk=desk, replies=replies, topics=topics, release=release, groups=chats,
                            disable_fsm=True)
    if chats is not None:
        dispatcher.include_router(consultant_router(chats))
    dispatcher.include_router(customer_router())
    return dispatcher


class TelegramChannel:
    """The built inbound adapter: the inbox's processor, and what it mounts."""

    name = CHANNEL

    def __init__(self, bot: Bot, replies: TelegramReplies, dispatcher: Dispatcher, watches: list[GroupWatch],
                 private: Callable[[Inbound], Awaitable[None]]) -> None:
        """`private`: how a person's text in a private chat is answered (`routers.answer_private`),
        for the texts read without aiogram (`mapper.private_text`)."""
        self.bot = bot
        self.replies = replies
        self.dispatcher = dispatcher
        self.watches = watches
        self.private = private
        self.allowed_updates = dispatcher.resolve_used_update_types()

    async def process(self, update: dict[str, Any]) -> None:
        """The inbox's processor of a stored update: a private text straight to the desk, the
        rest through aiogram's dispatcher, to the same handlers."""
        inbound = private_text(update)
        if inbound is None:
            await self.dispatcher.feed_raw_update(self.bot, update)
        else:
            await self.private(inbound)

    async def post(self, chat_id: int, text: str) -> None:
        """A text into a group's general topic (the weekly digest)."""
        await self.replies.send(chat_id, [Reply(text)])

    def mount(self, app: web.Application, inbox: Inbox, settings: Settings, *,
              polling: bool = False, force: bool = False) -> None:
        """The webhook route (or long polling) and the start and stop of the channel's parts.

        `force`: polling removes a webhook registered for the token instead of refusing to start.
        on_startup runs after the schema check and inbox recovery; on_cleanup after the drain.
        """
        bot = self.bot
        for watch in self.watches:
            app.on_startup.append(watch.start)
            app.on_shutdown.append(watch.stop)
        if polling:
            poller = Poller(bot, inbox, self.allowed_updates, force=force)
            app.on_startup.append(_refused_as_setup_error(bot, poller.start, "the switch to polling"))
            app.on_shutdown.append(poller.stop)
        else:
            secret = webhook_secret(settings)
            app.router.add_post(PATH, webhook_handler(inbox, secret))
            if settings.public_url:
                app.on_startup.append(_refused_as_setup_error(bot, self._registers_webhook(
                    settings.public_url.rstrip("/") + PATH, secret), "setWebhook"))

        async def close_bot(app: web.Application) -> None:
            await bot.session.close()

        app.on_cleanup.append(close_bot)

    def _registers_webhook(self, url: str, secret: str) -> StartupHook:
        async def register_webhook(app: web.Application) -> None:
            await self.bot.set_webhook(url, secret_token=secret, allowed_updates=self.allowed_updates)
            log.info("Telegram webhook set to %s for %s", url, ", ".join(self.allowed_updates))
        return register_webhook


def consultants_groups(sender: TelegramSender, workspace: Workspace) -> tuple[CentreGroups, list[GroupWatch]]:
    """The relay outbox's deliverer into the consultants' forum groups, and a watch on each group."""
    chats = workspace.chats.chats
    by_id: Mapping[int, ConsultantsGroup] = {
        chat_id: ConsultantsGroup(sender, chat, workspace.topics, workspace.card, workspace.transcript, workspace.note)
        for chat_id, chat in chats.items()}
    return (CentreGroups(by_id, workspace.chats.group_of, workspace.topics),
            [GroupWatch(chat, sender) for chat in chats.values()])


def build(bot: Bot, replies: TelegramReplies, desk: Desk, release: Release, workspace: Workspace | None,
          watches: list[GroupWatch]) -> TelegramChannel:
    """The inbound adapter on a bot and the replies' writer (`release`: a chat's held replies go out
    now; `workspace`: the consultants' groups; `watches`: their watches, started with the channel)."""
    return TelegramChannel(bot, replies, build_dispatcher(desk, replies, release, workspace), watches,
                           partial(answer_private, desk=desk, replies=replies, release=release))


def _refused_as_setup_error(bot: Bot, hook: StartupHook, what: str) -> StartupHook:
    """A start-up call Telegram refuses (revoked token, bad URL) becomes a readable error.

    The bot's session is closed here: a failed start-up may never reach on_cleanup.
    """
    async def guarded(app: web.Application) -> None:
        try:
            await hook(app)
        except AiogramError as exc:
            await bot.session.close()
            raise TelegramSetupError(f"Telegram refused {what}: {exc}") from exc
        except TelegramSetupError:
            await bot.session.close()
            raise
    return guarded
