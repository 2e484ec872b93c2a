"""The consultants' group as the desk finds it: where it is now, and whether the bot can post there.

Two things happen to a group that no retry fixes:

- it is upgraded to a supergroup (400 with `migrate_to_chat_id`): the desk moves to
  the new id at once and keeps it in the database, so a restart and every other
  instance follow; the operator is told (WARNING, and `status_lines` for `doctor`)
  to put the new id in DESK_CONSULTANT_CHAT_ID;
- the bot can no longer post there (removed, rights or topics taken away, the chat
  gone): the group is "broken". Its messages wait in the outbox (never failed),
  /readyz and /metrics say so, users who escalate meanwhile are told, and a probe
  (getChat) every PROBE_EVERY seconds finds when it works again.

The state is one row of `consultant_groups`, so every instance sees the same.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from dataclasses import dataclass, replace

from aiogram.enums import ChatMemberStatus
from aiogram.exceptions import (
    AiogramError,
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramMigrateToChat,
    TelegramNotFound,
)
from aiogram.methods import GetChat, GetChatMember
from aiogram.types import ChatMemberAdministrator
from aiohttp import web
from prometheus_client import Counter, Gauge
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from bot.channels.telegram.sender import TelegramSender
from bot.db.dialect import insert_on_conflict
from bot.db.models import ConsultantGroup, aware, utcnow
from bot.ops.metrics import Metrics
from handlers.ports import Clock

log = logging.getLogger(__name__)
PROBE_EVERY = 30.0  # seconds between looks at a broken group (and at the state other instances wrote)
# Bot API descriptions (lowercased) of a group the bot cannot post into until someone acts; every
# 403 in the group is one too ("bot was kicked from the supergroup chat", "bot is not a member").
GROUP_PROBLEMS = ("chat not found", "not enough rights", "have no rights", "need administrator rights",
                  "chat_write_forbidden", "chat_send_plain_forbidden", "the chat is not a forum",
                  "group chat was deleted")
NO_TOPICS = "Bad Request: the chat is not a forum"  # what Telegram says once topics are turned off
NOT_ADMIN = "the bot is not an administrator allowed to manage topics"  # createForumTopic needs it
groups = ConsultantGroup.__table__


def group_problem(exc: AiogramError) -> str | None:
    """Telegram's reason, when a failed call means the group takes nothing until someone fixes it."""
    if isinstance(exc, TelegramForbiddenError):
        return exc.message
    if isinstance(exc, TelegramBadRequest | TelegramNotFound) and any(
            marker in exc.message.lower() for marker in GROUP_PROBLEMS):
        return exc.message
    return None


@dataclass(frozen=True)
class GroupStatus:
    configured_id: int  # DESK_CONSULTANT_CHAT_ID
    chat_id: int  # where the group is now
    problem: str = ""  # why the bot cannot post there; "" when it can
    since: dt.datetime | None = None
    migrated_at: dt.datetime | None = None


class GroupMetrics:
    """The groups' figures, one set per registry however many centres' groups there are."""

    def __init__(self, metrics: Metrics) -> None:
        registry = metrics.registry
        self.chats: list[ConsultantsChat] = []
        broken = Gauge("desk_consultants_group_broken",
                       "Consultants' groups the bot cannot post into now", registry=registry)
        broken.set_function(lambda: sum(chat.broken for chat in self.chats))
        self.breaks = Counter("desk_consultants_group_breaks",
                              "Times a consultants' group became unusable for the bot", registry=registry)
        self.migrations = Counter("desk_consultants_group_migrations",
                                  "Upgrades of a consultants' group to a supergroup followed", registry=registry)


class ConsultantsChat:
    """The group's id and health, shared through the database; the outbox's deliverer reports to it."""

    def __init__(self, engine: AsyncEngine, configured_id: int, metrics: GroupMetrics, clock: Clock) -> None:
        self.sessions = async_sessionmaker(engine, expire_on_commit=False)
        self.status = GroupStatus(configured_id, configured_id)
        self.clock = clock
        self._breaks, self._migrations = metrics.breaks, metrics.migrations
        metrics.chats.append(self)

    @property
    def chat_id(self) -> int:
        return self.status.chat_id

    @property
    def broken(self) -> bool:
        return bool(self.status.problem)

    def ours(self, chat_id: int) -> bool:
        """A message from the group, under its configured id or the one it moved to."""
        return chat_id in (self.status.chat_id, self.status.configured_id)

    async def load(self) -> GroupStatus:
        """The state as stored (by this instance or another); the configured group when none is."""
        async with self.sessions() as session:
            row = await session.get(ConsultantGroup, self.status.configured_id)
        if row is not None:
            self.status = GroupStatus(row.configured_id, row.chat_id, row.problem,
                                      aware(row.problem_since) if row.problem_since else None,
                                      aware(row.migrated_at) if row.migrated_at else None)
        return self.status

    async def problem(self) -> str | None:
        """Why the consultants cannot be reached now (the desk's Workspace port), None when they can."""
        status = await self.load()
        return status.problem or None

    async def readiness_problem(self) -> str | None:
        """For /readyz: what is wrong with the group, and since when."""
        status = await self.load()
        if not status.problem:
            return None
        since = status.since.isoformat(timespec="seconds") if status.since else "?"
        return f"consultants' group {status.chat_id} unusable since {since}: {status.problem}"

    async def moved(self, new_id: int) -> None:
        """The group was upgraded to a supergroup: use, keep and announce its new id."""
        await self.load()  # another instance may have followed it already
        if new_id == self.status.chat_id:
            return
        old = self.status.chat_id
        await self._store(replace(self.status, chat_id=new_id, migrated_at=self.clock()), "chat_id", "migrated_at")
        self._migrations.inc()
        log.warning("the consultants' group %s was upgraded to a supergroup and is now %s: messages go "
                    "there from now on; set DESK_CONSULTANT_CHAT_ID=%s", old, new_id, new_id)

    async def broke(self, problem: str) -> None:
        """The bot cannot post into the group: hold its messages until the probe finds it works."""
        await self.load()  # known already (to another instance, or before a restart): not a new break
        if self.status.problem == problem:
            return
        if not self.broken:
            self._breaks.inc()
            log.error("the consultants' group %s cannot take messages (%s): they are kept until it "
                      "works again", self.status.chat_id, problem)
        await self._store(replace(self.status, problem=problem, since=self.status.since or self.clock()),
                          "problem", "problem_since")

    async def mended(self) -> None:
        if self.broken:
            log.warning("the consultants' group %s works again: the waiting messages go out",
                        self.status.chat_id)
            await self._store(replace(self.status, problem="", since=None), "problem", "problem_since")

    async def probe(self, sender: TelegramSender) -> bool:
        """Read the shared state and, while the group is broken, ask Telegram whether it works now."""
        status = await self.load()
        if not status.problem:
            return True
        try:
            problem = await self._look(sender, status.chat_id)
        except TelegramMigrateToChat as exc:
            await self.moved(exc.migrate_to_chat_id)
            return False  # the next look is at the new id
        except AiogramError as exc:
            problem = group_problem(exc) or status.problem
        if problem:
            log.info("the consultants' group %s is still unusable: %s", status.chat_id, problem)
            await self.broke(problem)
            return False
        await self.mended()
        return True

    @staticmethod
    async def _look(sender: TelegramSender, chat_id: int) -> str | None:
        """What still keeps the bot from working in the group (getChat, getChatMember), None if nothing."""
        chat = await sender.call(chat_id, GetChat(chat_id=chat_id))
        if not chat.is_forum:
            return NO_TOPICS
        member = await sender.call(chat_id, GetChatMember(chat_id=chat_id, user_id=sender.bot.id))
        if member.status == ChatMemberStatus.CREATOR:
            return None
        if not isinstance(member, ChatMemberAdministrator) or not member.can_manage_topics:
            return NOT_ADMIN
        return None

    async def _store(self, status: GroupStatus, *changed: str) -> None:
        """Keep `status`, writing only the `changed` columns over a stored row: an instance that
        finds the group broken must not write back the old id another instance moved from."""
        self.status = status
        values = {"chat_id": status.chat_id, "migrated_at": status.migrated_at, "problem": status.problem,
                  "problem_since": status.since}
        async with self.sessions.begin() as session:
            insert = insert_on_conflict(session.bind.dialect.name, groups)  # type: ignore[union-attr]
            await session.execute(insert.values(configured_id=status.configured_id, **values).on_conflict_do_update(
                index_elements=[groups.c.configured_id], set_={name: values[name] for name in changed}))


class GroupWatch:
    """The periodic probe of `serve`, started and stopped with the application."""

    def __init__(self, group: ConsultantsChat, sender: TelegramSender, every: float = PROBE_EVERY) -> None:
        self.group, self.sender, self.every = group, sender, every
        self.task: asyncio.Task[None] | None = None

    async def start(self, app: web.Application) -> None:
        await self.group.load()  # a migrated id or a known problem counts from the first message
        self.task = asyncio.create_task(self.run(), name="consultants-group-probe")

    async def stop(self, app: web.Application) -> None:
        if self.task is not None:
            self.task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.task

    async def run(self) -> None:
        while True:
            await asyncio.sleep(self.every)
            try:
                await self.group.probe(self.sender)
            except Exception as exc:  # the database is away: look again on the next tick
                log.warning("checking the consultants' group failed: %r", exc)


def status_lines(status: GroupStatus) -> list[str]:
    """What `civic-desk doctor` says about the group: its id now, an upgrade, a breakage."""
    lines = [f"consultants' group: {status.chat_id}"]
    if status.chat_id != status.configured_id:
        lines.append(f"  upgraded to a supergroup from {status.configured_id}"
                     f"{' on ' + status.migrated_at.isoformat(timespec='seconds') if status.migrated_at else ''}: "
                     f"set DESK_CONSULTANT_CHAT_ID={status.chat_id}")
    if status.problem:
        since = status.since.isoformat(timespec="seconds") if status.since else "?"
        lines.append(f"  BROKEN since {since}: {status.problem}; messages are kept until it works again")
    return lines


async def shared_status(engine: AsyncEngine, configured_id: int) -> GroupStatus:
    """The group's state as every instance shares it (for `civic-desk doctor`, which runs no desk)."""
    return await ConsultantsChat(engine, configured_id, GroupMetrics(Metrics()), utcnow).load()
