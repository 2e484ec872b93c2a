"""The consultant desk wired into the service: the team of the desk, its group, its reminder loop.

Without any consultants' group (DESK_CONSULTANT_CHAT_ID or a centre's `group`) there
is no team: escalation gives the user their centre's contacts instead of promising an
answer nobody will see.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Mapping
from functools import partial

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app.config import Settings
from bot.channels.telegram import TelegramSetupError
from bot.channels.telegram.centre_groups import CentreChats
from bot.channels.telegram.group import ConsultantsChat, GroupMetrics
from bot.channels.whatsapp.store import SERVICE_WINDOW
from bot.db.store import SqlDeskStore
from bot.db.tickets import SqlTicketStore
from bot.ops.metrics import Metrics
from bot.pipeline.outbox import Outbox
from handlers import Channel, Team, Translator, relay, reminders
from handlers.centres import CentreDirectory
from handlers.ports import Clock

log = logging.getLogger(__name__)
REMIND_EVERY = 60.0  # seconds between checks for tickets nobody took


def consultants_groups(settings: Settings, engine: AsyncEngine, metrics: Metrics, clock: Clock,
                       centres: CentreDirectory) -> dict[int, ConsultantsChat]:
    """Every consultants' Telegram group (the centres' own and the national one), by configured id."""
    chat_ids = centres.groups()
    if chat_ids and not settings.telegram_token.get_secret_value():
        raise TelegramSetupError("DESK_CONSULTANT_CHAT_ID needs DESK_TELEGRAM_TOKEN (so do the centres' "
                                 "groups): the consultants' forum groups are run by the Telegram bot")
    shared = GroupMetrics(metrics)
    return {chat_id: ConsultantsChat(engine, chat_id, shared, clock) for chat_id in sorted(chat_ids)}


def build_team(settings: Settings, engine: AsyncEngine, outbox: Outbox, translator: Translator,
               clock: Clock, centres: CentreDirectory, groups: Mapping[int, ConsultantsChat]) -> Team | None:
    """The team of consultants, when a consultants' group is configured; delivery reports go to it."""
    if not groups:
        return None
    team = Team(SqlTicketStore(engine), outbox, SqlDeskStore(engine), translator, settings.hours(), clock,
                consultant_lang=settings.consultant_lang, history_size=settings.history_size,
                remind_after=dt.timedelta(minutes=settings.unassigned_remind_minutes),
                reply_windows={Channel.WHATSAPP: SERVICE_WINDOW}, workspace=CentreChats(groups, centres.group),
                contacts=settings.centre_contacts.strip(), centres=centres)
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
