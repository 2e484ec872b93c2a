"""The composition root of `serve`: every part of the running service, built once, in one place.

Each part gets the collaborators it uses as constructor arguments, in the order they
depend on each other: the pipeline's stores, the consultants' groups and team, the desk,
the channel adapters, then the inbox with each adapter's processor. Nothing is set on a
part after it is built and no channel sees more than it uses. `bot.app.web` only
assembles routes and the lifecycle from what this returns.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any, Protocol

from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.analytics.digest import Digest
from bot.app.compose import build_directory
from bot.app.compose.team import build_team, consultants_groups, relay_outbox
from bot.app.config import Settings
from bot.channels import telegram, whatsapp
from bot.channels.telegram import TelegramChannel
from bot.channels.telegram.centre_groups import CentreChats
from bot.channels.telegram.group import ConsultantsChat
from bot.channels.telegram.sender import TelegramLimits, TelegramSender
from bot.channels.telegram.topics import TopicStore
from bot.channels.whatsapp import WhatsAppChannel
from bot.channels.whatsapp.processor import LanguageOf, WhatsAppProcessor
from bot.channels.whatsapp.relay import WhatsAppUsers
from bot.channels.whatsapp.store import WhatsAppStore
from bot.console.deps import Console
from bot.curation.reload import BaseReloader
from bot.curation.store import SqlDraftStore, SqlTranscript
from bot.db.models import utcnow
from bot.db.store import SqlDeskStore
from bot.db.tickets import SqlTicketStore
from bot.ops.masking import mask
from bot.ops.metrics import Metrics, TimedMatcher
from bot.pipeline.inbox import Inbox
from bot.pipeline.inbox_table import InboxTable
from bot.pipeline.instance import instance_name
from bot.pipeline.outbound import Outbound
from bot.pipeline.outbox import CONSULTANTS, Outbox
from bot.pipeline.pacing import Pacer
from bot.pipeline.ratelimit import build_limiter, ticket_limiter
from bot.pipeline.retry import RetryPolicy
from bot.reminders.service import ReminderService, build_reminders
from handlers import Desk, Team, Translator, cards, relay, transcript
from handlers.curation import Curation
from handlers.ports import Clock, DeliveryReport
from knowledge import Matcher


class Channel(Protocol):
    """A built channel adapter as the service sees it."""

    name: str

    async def process(self, payload: dict[str, Any]) -> None: ...


@dataclass(frozen=True)
class Shell:
    """What the composition root built. `bot.app.web` mounts it and tests look inside; no channel
    is handed it (each got its own collaborators)."""

    settings: Settings
    engine: AsyncEngine
    metrics: Metrics
    redis: Redis | None
    desk: Desk
    inbox: Inbox
    outbox: Outbox
    outbound: Outbound
    reloader: BaseReloader
    team: Team | None  # None without any consultants' group
    groups: Mapping[int, ConsultantsChat]  # every consultants' group, by configured id
    national: ConsultantsChat | None  # the national centre's group: the weekly digest's
    telegram: TelegramChannel | None
    whatsapp: WhatsAppChannel | None
    digest: Digest | None
    reminders: ReminderService | None  # deadline reminders (DESK_REMINDERS)
    console: Console  # the staff console, mounted under /console

    @property
    def consultants_group(self) -> ConsultantsChat | None:
        return self.national

    @property
    def channels(self) -> Sequence[Channel]:
        return [channel for channel in (self.telegram, self.whatsapp) if channel is not None]


def build_shell(settings: Settings, engine: AsyncEngine, matcher: Matcher, *, polling: bool = False,
                clock: Clock = utcnow) -> Shell:
    """Everything `serve` runs (`polling`: Telegram is polled, so it runs without a public webhook)."""
    metrics, translator, pacer = Metrics(), Translator(), Pacer()  # one pacer: every sender books from it
    redis = Redis.from_url(settings.redis_url) if settings.redis_url else None
    policy = RetryPolicy(dt.timedelta(hours=settings.delivery_deadline_hours),
                         max_delay=settings.delivery_max_backoff_seconds)  # one retry policy for every send
    owner = instance_name(settings.instance_id, settings.port)
    outbound = Outbound(engine, policy=policy, owner=owner, lease=settings.inbox_lease_seconds, clock=clock,
                        metrics=metrics)
    centres = build_directory(settings)
    groups = consultants_groups(settings, engine, metrics, clock, centres)
    workspace = CentreChats(groups, centres.group) if groups else None
    team: Team | None = None  # built below, on the outbox that reports to it

    async def report(ticket_id: int, outcome: DeliveryReport, detail: str = "") -> None:
        if team is not None:
            await relay.report(team, ticket_id, outcome, detail)

    outbox = relay_outbox(settings, engine, clock, policy, report)
    curation = Curation(SqlDraftStore(engine), SqlTranscript(engine), lambda: desk.matcher, mask)
    team = build_team(settings, engine, outbox, translator, clock, centres, workspace, curation,
                      ticket_limiter(settings.ticket_messages_per_minute, redis))
    desk: Desk | None = None  # built below, with the reminders' conversation

    def entry_ids() -> list[str]:  # the base serving now: a reload replaces the desk's matcher
        return [entry.id for entry in (desk.matcher if desk is not None else matcher).base.entries]

    reminders = build_reminders(settings, engine, outbound, pacer, metrics, translator, clock, centres.regions,
                                entry_ids)
    desk = Desk(TimedMatcher(matcher, metrics), SqlDeskStore(engine), translator, default_lang=settings.default_lang,
                limiter=build_limiter(settings.rate_limit_per_minute, redis, metrics), team=team, clock=clock,
                centres=centres, reminders=reminders.conversation if reminders is not None else None)
    tg = build_telegram(settings, engine, desk, team, workspace, outbox, outbound, pacer, metrics) \
        if polling or settings.telegram_token.get_secret_value() else None
    wa = build_whatsapp(settings, engine, desk, translator, matcher.detector.decided, team, outbox, outbound,
                        pacer, metrics, clock) \
        if settings.whatsapp_token.get_secret_value() and settings.whatsapp_phone_number_id else None
    national = workspace.of_centre(centres.centres.national.id) if workspace is not None else None
    inbox = Inbox(InboxTable(engine, owner=owner, lease=settings.inbox_lease_seconds, keep=outbound.store),
                  {channel.name: channel.process for channel in (tg, wa) if channel is not None}, metrics,
                  max_in_flight=settings.inbox_max_in_flight, outbound=outbound)
    post = partial(tg.post, national.chat_id) if tg is not None and national is not None else None
    digest = Digest(settings, engine, lambda: desk.matcher, post, translator) \
        if settings.digest_day and post is not None else None
    reloader = BaseReloader(settings, engine, desk, metrics)
    console = Console(settings, engine, translator, lambda: desk.matcher, clock, reloader)
    return Shell(settings, engine, metrics, redis, desk, inbox, outbox, outbound, reloader, team, groups, national,
                 tg, wa, digest, reminders, console)


def build_telegram(settings: Settings, engine: AsyncEngine, desk: Desk, team: Team | None,
                   workspace: CentreChats | None, outbox: Outbox, outbound: Outbound, pacer: Pacer,
                   metrics: Metrics) -> TelegramChannel:
    """The Telegram adapter, and the outbox's deliverers for Telegram users and the consultants' groups."""
    bot = telegram.build_bot(settings)  # no connection is opened yet: nothing to close if a later check fails
    sender = TelegramSender(bot, pacer, TelegramLimits.from_settings(settings), metrics, outbound)
    groups = None
    if team is not None and workspace is not None:
        groups = telegram.Workspace(workspace, TopicStore(engine), partial(cards.card, team),
                                    partial(transcript.transcript, team), partial(relay.attached_note, team))
    channel = telegram.build(bot, sender, desk, partial(outbox.release_held, TelegramChannel.name),
                             SqlTicketStore(engine).has_held_replies, groups)
    outbox.register(channel.name, channel.users)
    if channel.groups is not None:
        outbox.register(CONSULTANTS, channel.groups)
    return channel


def build_whatsapp(settings: Settings, engine: AsyncEngine, desk: Desk, translator: Translator,
                   language_of: LanguageOf, team: Team | None, outbox: Outbox, outbound: Outbound, pacer: Pacer,
                   metrics: Metrics, clock: Clock) -> WhatsAppChannel:
    """The WhatsApp adapter, and the outbox's deliverer for WhatsApp users (`language_of`: the
    language a reply is in, for the adapter's own words beside it)."""
    client = whatsapp.build_client(settings, pacer)
    store = WhatsAppStore(engine)
    # Only tickets hold consultants' replies; without a team there is nothing to release.
    processor = WhatsAppProcessor(desk.handle, client, store, translator, language_of,
                                  default_lang=settings.default_lang, outbox=outbox if team is not None else None,
                                  outbound=outbound, metrics=metrics)
    outbound.register(WhatsAppChannel.name, processor.send)
    users = WhatsAppUsers(client, store, translator, settings.whatsapp_reply_template, clock)
    outbox.register(WhatsAppChannel.name, users)
    return WhatsAppChannel(settings, client, store, processor, users)

