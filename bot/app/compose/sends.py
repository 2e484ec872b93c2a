"""Each channel's send side, built before the schedulers that use it (`bot.app.compose.shell`).

A send side only sends: a rendered body out and the platform's answer read into an
`Outcome` (`send_body`), and a consultant's message rendered when it goes out (`users`).
The outbound scheduler is constructed with them (by channel), the reminders with the
same sends; the channels' inbound adapters are built later, on the scheduler.
"""

from __future__ import annotations

from dataclasses import dataclass

from aiogram import Bot
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app.config import Settings
from bot.channels import telegram, whatsapp
from bot.channels.telegram.delivery import TelegramUsers
from bot.channels.telegram.sender import TelegramLimits, TelegramSender
from bot.channels.whatsapp.client import GraphClient
from bot.channels.whatsapp.relay import WhatsAppUsers
from bot.channels.whatsapp.sender import WhatsAppSender
from bot.channels.whatsapp.store import WhatsAppStore
from bot.db.tickets import SqlTicketStore
from bot.ops.metrics import Metrics
from bot.pipeline.outbound import Send
from bot.pipeline.pacing import Pacer
from bot.pipeline.user_relays import Deliverer
from handlers import Translator
from handlers.ports import Clock


@dataclass(frozen=True)
class TelegramSends:
    """The bot, its send of rendered bodies, and its deliverer of consultants' messages to users."""

    bot: Bot
    sender: TelegramSender
    users: TelegramUsers


@dataclass(frozen=True)
class WhatsAppSends:
    """The number's client and send log, its send of rendered messages, its deliverer of relays."""

    client: GraphClient
    store: WhatsAppStore
    sender: WhatsAppSender
    users: WhatsAppUsers


@dataclass(frozen=True)
class Sends:
    """The send sides of the channels this desk runs (None: the channel is off)."""

    telegram: TelegramSends | None
    whatsapp: WhatsAppSends | None

    def senders(self) -> dict[str, Send]:
        """Each running channel's send of a rendered body, by the channel its outbound rows name."""
        sends: dict[str, Send] = {}
        if self.telegram is not None:
            sends[telegram.TelegramChannel.name] = self.telegram.sender.send_body
        if self.whatsapp is not None:
            sends[whatsapp.WhatsAppChannel.name] = self.whatsapp.sender.send_body
        return sends

    def relays(self) -> dict[str, Deliverer]:
        """Each running channel's deliverer of consultants' messages to its users."""
        deliverers: dict[str, Deliverer] = {}
        if self.telegram is not None:
            deliverers[telegram.TelegramChannel.name] = self.telegram.users
        if self.whatsapp is not None:
            deliverers[whatsapp.WhatsAppChannel.name] = self.whatsapp.users
        return deliverers


def build_sends(settings: Settings, engine: AsyncEngine, pacer: Pacer, metrics: Metrics, translator: Translator,
                clock: Clock, *, polling: bool = False) -> Sends:
    """Telegram when it has a token (or is polled), WhatsApp when it has a token and a number."""
    tg: TelegramSends | None = None
    if polling or settings.telegram_token.get_secret_value():
        bot = telegram.build_bot(settings)  # no connection is opened yet: nothing to close if a later check fails
        sender = TelegramSender(bot, pacer, TelegramLimits.from_settings(settings), metrics)
        tg = TelegramSends(bot, sender, TelegramUsers(sender, SqlTicketStore(engine).has_held_replies))
    wa: WhatsAppSends | None = None
    if settings.whatsapp_token.get_secret_value() and settings.whatsapp_phone_number_id:
        client, store = whatsapp.build_client(settings, pacer), WhatsAppStore(engine)
        wa = WhatsAppSends(client, store, WhatsAppSender(client, store, metrics),
                           WhatsAppUsers(client, store, translator, settings.whatsapp_reply_template, clock))
    return Sends(tg, wa)
