"""The consultants' team wired into the service: the team of the desk, its groups, its reminder loop.

Without any consultants' group (DESK_CONSULTANT_CHAT_ID or a centre's `group`) there
is no team: escalation gives the user their centre's contacts instead of promising an
answer nobody will see.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app.config import Settings
from bot.channels.telegram import TelegramSetupError
from bot.channels.telegram.centre_groups import CentreChats
from bot.channels.telegram.group import ConsultantsChat, GroupMetrics
from bot.channels.telegram.group_delivery import group_shaper
from bot.channels.whatsapp.store import SERVICE_WINDOW
from bot.db.presence import SqlPresenceStore
from bot.db.store import SqlDeskStore
from bot.db.tickets import SqlTicketStore
from bot.ops.metrics import Metrics
from bot.pipeline.outbound import Outbound
from bot.pipeline.outbox import Deliverer, Outbox
from bot.pipeline.relay_posts import ShapedPosts
from bot.pipeline.retry import RetryPolicy
from handlers import Channel, Team, Translator, reminders, sla
from handlers.centres import CentreDirectory
from handlers.curation import Curation
from handlers.ports import Clock, InboundLimiter, RelayOutbox

log = logging.getLogger(__name__)
REMIND_EVERY = 60.0  # seconds between checks for tickets nobody took or late


def relay_outbox(settings: Settings, engine: AsyncEngine, clock: Clock, policy: RetryPolicy,
                 into_groups: Deliverer | None, users: Outbound) -> Outbox:
    """The relay outbox: what goes into the consultants' groups (`into_groups`), shaped (Telegram's
    message limit, the centre's time zone for the parts' times); what goes to users, in their lanes."""
    posts = ShapedPosts(group_shaper(settings.hours()))
    return Outbox(engine, clock, deliver=into_groups, users=users, policy=policy, shape=posts.shape,
                  merge=posts.merge)


def consultants_groups(settings: Settings, engine: AsyncEngine, metrics: Metrics, clock: Clock,
                       centres: CentreDirectory) -> dict[int, ConsultantsChat]:
    """Every consultants' Telegram group (the centres' own and the national one), by configured id."""
    chat_ids = centres.groups()
    if chat_ids and not settings.telegram_token.get_secret_value():
        raise TelegramSetupError("DESK_CONSULTANT_CHAT_ID needs DESK_TELEGRAM_TOKEN (so do the centres' "
                                 "groups): the consultants' forum groups are run by the Telegram bot")
    shared = GroupMetrics(metrics)
    return {chat_id: ConsultantsChat(engine, chat_id, shared, clock) for chat_id in sorted(chat_ids)}


def build_team(settings: Settings, engine: AsyncEngine, outbox: RelayOutbox, translator: Translator,
               clock: Clock, centres: CentreDirectory, workspace: CentreChats | None,
               curation: Curation, pace: InboundLimiter | None = None) -> Team | None:
    """The team of consultants, when a consultants' group is configured (`pace`: a ticket's
    user writing faster than it is told so once)."""
    if workspace is None:
        return None
    return Team(SqlTicketStore(engine), outbox, SqlDeskStore(engine), translator, settings.hours(), clock,
                consultant_lang=settings.consultant_lang, history_size=settings.history_size,
                remind_after=dt.timedelta(minutes=settings.unassigned_remind_minutes),
                reply_windows={Channel.WHATSAPP: SERVICE_WINDOW}, workspace=workspace,
                contacts=settings.centre_contacts.strip(), centres=centres, curation=curation, pace=pace,
                presence=SqlPresenceStore(engine), max_open=settings.consultant_max_open,
                sla_minutes=settings.sla_minutes, sla_head=settings.sla_head)


async def remind_forever(team: Team, interval: float = REMIND_EVERY) -> None:
    """The periodic task of `serve`: post tickets nobody took again, flag late ones; an outage only delays it."""
    while True:
        await asyncio.sleep(interval)
        try:
            await reminders.remind(team)
            await sla.check(team)
        except Exception as exc:
            log.warning("ticket reminders failed: %r", exc)
