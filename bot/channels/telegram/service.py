"""The Telegram channel mounted on the desk's aiohttp application.

One Bot and one Dispatcher serve both modes: the webhook stores updates in the
inbox, long polling does the same, and the inbox feeds them to the dispatcher.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable
from functools import partial
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import AiogramError
from aiogram.utils.token import TokenValidationError, validate_token
from aiohttp import web

from bot.app.config import Settings
from bot.app.services import Services
from bot.channels.telegram.centre_groups import CentreChats, CentreGroups
from bot.channels.telegram.consultants import ConsultantsGroup
from bot.channels.telegram.delivery import TelegramUsers
from bot.channels.telegram.errors import TelegramSetupError
from bot.channels.telegram.group import GroupWatch
from bot.channels.telegram.polling import Poller
from bot.channels.telegram.responses import pin_response_models
from bot.channels.telegram.routers import consultant_router, customer_router, no_release
from bot.channels.telegram.sender import TelegramLimits, TelegramSender
from bot.channels.telegram.session import JsonSession
from bot.channels.telegram.topics import TopicStore
from bot.channels.telegram.webhook import CHANNEL, PATH, webhook_handler
from bot.db.tickets import SqlTicketStore
from bot.pipeline import jsonio
from bot.pipeline.outbox import CONSULTANTS
from handlers import Reply, cards, transcript

log = logging.getLogger(__name__)
# setWebhook's secret_token: 1-256 characters of A-Z, a-z, 0-9, _ and -.
SECRET_FORMAT = re.compile(r"[A-Za-z0-9_-]{1,256}")
StartupHook = Callable[[web.Application], Awaitable[None]]


def build_bot(settings: Settings) -> Bot:
    """The Bot on DESK_TELEGRAM_API_URL; a missing or malformed token stops the start.

    Its calls go as JSON bodies (JsonSession): less CPU per call than aiogram's forms.
    """
    token = settings.telegram_token.get_secret_value().strip()
    if not token:
        raise TelegramSetupError("DESK_TELEGRAM_TOKEN is not set: put the token @BotFather "
                                 "gave the bot there")
    try:
        validate_token(token)
    except TokenValidationError:
        raise TelegramSetupError("DESK_TELEGRAM_TOKEN is malformed: a bot token looks like "
                                 "123456789:AAE..., digits, a colon, then the secret") from None
    session = JsonSession(api=TelegramAPIServer.from_base(settings.telegram_api_url),
                           timeout=settings.telegram_request_timeout,
                           json_loads=jsonio.loads, json_dumps=jsonio.dumps)
    return Bot(token, session=session)


def webhook_secret(settings: Settings) -> str:
    secret = settings.telegram_webhook_secret.get_secret_value()
    if not SECRET_FORMAT.fullmatch(secret):
        raise TelegramSetupError("DESK_TELEGRAM_WEBHOOK_SECRET must be set to 1-256 characters "
                                 "of A-Z, a-z, 0-9, _ and - (the webhook is refused without it)")
    return secret


def build_dispatcher(services: Services, sender: TelegramSender, topics: TopicStore | None = None,
                     groups: CentreChats | None = None) -> Dispatcher:
    """Routers with the desk, the sender and the topic map injected into every handler by name.

    No FSM: no handler uses aiogram's states (the desk keeps its own in its database), and
    the FSM middleware (a storage look-up and a context per update) would only cost CPU.
    """
    release = partial(services.outbox.release_held, CHANNEL) if services.outbox is not None else no_release
    dispatcher = Dispatcher(desk=services.desk, sender=sender, topics=topics, release=release, disable_fsm=True)
    if topics is not None and groups is not None:
        dispatcher.include_router(consultant_router(groups))
    dispatcher.include_router(customer_router())
    return dispatcher


def connect_outbox(services: Services, sender: TelegramSender) -> TopicStore | None:
    """Relayed messages to Telegram users and, with consultants' groups, everything for them."""
    outbox, team, chats = services.outbox, services.desk.team, services.consultants
    if outbox is None:
        return None
    outbox.register(CHANNEL, TelegramUsers(sender, SqlTicketStore(services.engine).has_held_replies))
    if team is None or chats is None:
        return None
    topics = TopicStore(services.engine)
    card, history = partial(cards.card, team), partial(transcript.transcript, team)
    groups = {chat_id: ConsultantsGroup(sender, chat, topics, card, history) for chat_id, chat in chats.chats.items()}
    outbox.register(CONSULTANTS, CentreGroups(groups, chats.group_of))
    national = services.consultants_group
    if national is not None:

        async def post(text: str) -> None:  # the national group's general topic (the weekly digest)
            await sender.send(national.chat_id, [Reply(text)])

        services.post_to_consultants = post
    return topics


def setup(app: web.Application, services: Services, *, polling: bool = False, force: bool = False) -> None:
    """Mount the channel: webhook route (or long polling), inbox processor, start and stop.

    `force`: polling removes a webhook registered for the token instead of refusing to start.
    """
    settings = services.settings
    pin_response_models()
    bot = build_bot(settings)  # no connection is opened yet: nothing to close if the next check fails
    secret = "" if polling else webhook_secret(settings)
    sender = TelegramSender(bot, services.pacer, TelegramLimits.from_settings(settings), services.metrics,
                            services.outbound)
    chats = services.consultants
    dispatcher = build_dispatcher(services, sender, connect_outbox(services, sender), chats)
    allowed_updates = dispatcher.resolve_used_update_types()
    for group in chats.chats.values() if chats is not None else ():
        watch = GroupWatch(group, sender)
        app.on_startup.append(watch.start)
        app.on_shutdown.append(watch.stop)

    async def process(update: dict[str, Any]) -> None:
        await dispatcher.feed_raw_update(bot, update)

    services.inbox.register(CHANNEL, process)

    # on_startup runs after the schema check and inbox recovery; on_cleanup after the drain.
    if polling:
        poller = Poller(bot, services.inbox, allowed_updates, force=force)
        app.on_startup.append(_refused_as_setup_error(bot, poller.start, "the switch to polling"))
        app.on_shutdown.append(poller.stop)
    else:
        app.router.add_post(PATH, webhook_handler(services.inbox, secret))
        if settings.public_url:
            url = settings.public_url.rstrip("/") + PATH

            async def register_webhook(app: web.Application) -> None:
                await bot.set_webhook(url, secret_token=secret, allowed_updates=allowed_updates)
                log.info("Telegram webhook set to %s for %s", url, ", ".join(allowed_updates))

            app.on_startup.append(_refused_as_setup_error(bot, register_webhook, "setWebhook"))

    async def close_bot(app: web.Application) -> None:
        await bot.session.close()

    app.on_cleanup.append(close_bot)


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
