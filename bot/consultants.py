"""The consultant desk wired into the service: the team of the desk, its group, its reminder loop.

Without DESK_CONSULTANT_CHAT_ID there is no team: escalation tells the user to
contact the centre directly instead of promising an answer nobody will see.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from functools import partial

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.channels.telegram import TelegramSetupError
from bot.channels.telegram.group import ConsultantsChat
from bot.channels.whatsapp.store import SERVICE_WINDOW
from bot.config import Settings
from bot.db.store import SqlDeskStore
from bot.db.tickets import SqlTicketStore
from bot.metrics import Metrics
from bot.outbox import Outbox
from handlers import Channel, Team, Translator, relay, reminders
from handlers.ports import Clock

log = logging.getLogger(__name__)
REMIND_EVERY = 60.0  # seconds between checks for tickets nobody took


def consultants_group(settings: Settings, engine: AsyncEngine, metrics: Metrics,
                      clock: Clock) -> ConsultantsChat | None:
    """The consultants' Telegram group (where it is now, whether the bot can post), when configured."""
    if settings.consultant_chat_id is None:
        return None
    if not settings.telegram_token.get_secret_value():
        raise TelegramSetupError("DESK_CONSULTANT_CHAT_ID needs DESK_TELEGRAM_TOKEN: the consultants' "
                                   "forum group is run by the Telegram bot")
    return ConsultantsChat(engine, settings.consultant_chat_id, metrics, clock)


def build_team(settings: Settings, engine: AsyncEngine, outbox: Outbox, translator: Translator,
               clock: Clock, group: ConsultantsChat | None) -> Team | None:
    """The team of consultants, when a consultants' group is configured; delivery reports go to it."""
    if group is None:
        return None
    team = Team(SqlTicketStore(engine), outbox, SqlDeskStore(engine), translator, settings.hours(), clock,
                consultant_lang=settings.consultant_lang, history_size=settings.history_size,
                remind_after=dt.timedelta(minutes=settings.unassigned_remind_minutes),
                reply_windows={Channel.WHATSAPP: SERVICE_WINDOW}, workspace=group,
                contacts=settings.centre_contacts.strip())
    outbox.reporter = partial(relay.report, team)
    return team


async def remind_forever(team: Team, interval: float = REMIND_EVERY) -> None:
    """The periodic task of `serve`: post tickets nobody took again; an outage only delays it."""
    while True:
        await asyncio.sleep(interval)
        try:
            await reminders.remind(team)
        except Exception as exc:
            log.warning("ticket reminders failed: %r", exc)
