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
from bot.app.compose.sends import TelegramSends, WhatsAppSends, build_sends
from bot.app.compose.team import build_team, consultants_groups, relay_outbox
from bot.app.config import Settings
from bot.channels import telegram
from bot.channels.telegram import TelegramChannel
from bot.channels.telegram.centre_groups import CentreChats
from bot.channels.telegram.group import ConsultantsChat, GroupWatch
from bot.channels.telegram.sender import TelegramReplies
from bot.channels.telegram.topics import TopicStore
from bot.channels.whatsapp import WhatsAppChannel
from bot.channels.whatsapp.processor import LanguageOf, WhatsAppProcessor
from bot.console.deps import Console
from bot.curation.reload import BaseReloader
from bot.curation.store import SqlDraftStore, SqlTranscript
from bot.db.models import utcnow
from bot.db.store import SqlDeskStore
from bot.ops.masking import mask
from bot.ops.metrics import Metrics, TimedMatcher
from bot.pipeline.inbox import Inbox
from bot.pipeline.inbox_table import InboxTable
from bot.pipeline.instance import instance_name
from bot.pipeline.outbound import Outbound
from bot.pipeline.outbox import Outbox
from bot.pipeline.pacing import Pacer
from bot.pipeline.ratelimit import build_limiter, ticket_limiter
from bot.pipeline.retry import RetryPolicy
from bot.pipeline.user_relays import UserRelays
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
    centres = build_directory(settings)
    groups = consultants_groups(settings, engine, metrics, clock, centres)
    workspace = CentreChats(groups, centres.group) if groups else None
    sends = build_sends(settings, engine, pacer, metrics, translator, clock, polling=polling)
    team: Team | None = None  # built below, on the outbox; the parts that tell or ask it reach it when called
    desk: Desk | None = None  # built below, with the reminders' conversation

    def the_team() -> Team:
        if team is None:
            raise RuntimeError("the consultants' team is not built")
        return team

    async def report(ticket_id: int, outcome: DeliveryReport, detail: str = "") -> None:
        if team is not None:
            await relay.report(team, ticket_id, outcome, detail)

    outbound = Outbound(engine, sends.senders(), relays=UserRelays(engine, sends.relays(), report, clock),
                        policy=policy, owner=owner, lease=settings.inbox_lease_seconds, clock=clock, metrics=metrics)
    tg_workspace = telegram.Workspace(
        workspace, TopicStore(engine), lambda ticket_id: cards.card(the_team(), ticket_id),
        lambda ticket_id, before: transcript.transcript(the_team(), ticket_id, before),
        lambda length: relay.attached_note(the_team(), length)) if workspace is not None else None
    into_groups, watches = telegram.consultants_groups(sends.telegram.sender, tg_workspace) \
        if sends.telegram is not None and tg_workspace is not None else (None, [])
    outbox = relay_outbox(settings, engine, clock, policy, into_groups, outbound)
    curation = Curation(SqlDraftStore(engine), SqlTranscript(engine), lambda: desk.matcher, mask)
    team = build_team(settings, engine, outbox, translator, clock, centres, workspace, curation,
                      ticket_limiter(settings.ticket_messages_per_minute, redis))

    def entry_ids() -> list[str]:  # the base serving now: a reload replaces the desk's matcher
        return [entry.id for entry in (desk.matcher if desk is not None else matcher).base.entries]

    reminders = build_reminders(settings, engine, sends.senders(), pacer, metrics, translator, clock,
                                centres.regions, entry_ids, policy)
    desk = Desk(TimedMatcher(matcher, metrics), SqlDeskStore(engine), translator, default_lang=settings.default_lang,
                limiter=build_limiter(settings.rate_limit_per_minute, redis, metrics), team=team, clock=clock,
                centres=centres, reminders=reminders.conversation if reminders is not None else None)
    tg = build_telegram(sends.telegram, desk, outbound, tg_workspace, watches) if sends.telegram else None
    wa = build_whatsapp(settings, sends.whatsapp, desk, translator, matcher.detector.decided, outbound,
                        team is not None) if sends.whatsapp else None
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


def build_telegram(sends: TelegramSends, desk: Desk, outbound: Outbound, workspace: telegram.Workspace | None,
                   watches: list[GroupWatch]) -> TelegramChannel:
    """The Telegram inbound adapter: its replies written to the chats' lanes, held ones released there."""
    return telegram.build(sends.bot, TelegramReplies(outbound, sends.sender), desk,
                          partial(outbound.release_held, TelegramChannel.name), workspace, watches)


def build_whatsapp(settings: Settings, sends: WhatsAppSends, desk: Desk, translator: Translator,
                   language_of: LanguageOf, outbound: Outbound, with_team: bool) -> WhatsAppChannel:
    """The WhatsApp inbound adapter (`language_of`: the language a reply is in, for the adapter's own
    words beside it; `with_team`: consultants' replies may be held for a closed window)."""
    release = partial(outbound.release_held, WhatsAppChannel.name) if with_team else None
    processor = WhatsAppProcessor(desk.handle, sends.client, sends.store, translator, language_of, outbound,
                                  default_lang=settings.default_lang, release=release)
    return WhatsAppChannel(settings, sends.client, sends.store, processor)
