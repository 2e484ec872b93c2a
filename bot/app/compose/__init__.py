"""The composition root: builds the services once, from settings, and hands them out by name."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from functools import partial
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from bot.app.config import Settings
from bot.db import schema
from bot.db.dialect import sqlite_pragmas
from bot.db.liveness import ping_when_idle
from bot.db.store import SqlDeskStore
from handlers import Desk, Translator
from handlers.centres import CentreDirectory, Schedule, schedule_problem
from knowledge import KnowledgeError, Matcher, Problem, Thresholds, load_base
from knowledge.calendar_file import load_calendar
from knowledge.centres import FILE as CENTRES_FILE
from knowledge.centres import gaps, load_centres
from knowledge.regions import load_regions

CONNECT_TIMEOUT = 10  # seconds
# Group commits send multi-row statements whose text depends on the batch size, so a
# connection sees several hundred distinct statements; each stays prepared (parsed and
# planned once by PostgreSQL) instead of being prepared again after eviction.
PREPARED_STATEMENTS = 1000


def build_matcher(settings: Settings) -> Matcher:
    """Load and index the knowledge base; raises KnowledgeError naming the broken file."""
    base = load_base(settings.knowledge_dir, max_age_days=settings.kb_max_age_days)
    thresholds = Thresholds(answer=settings.answer_threshold, clarify=settings.clarify_threshold,
                            margin=settings.answer_margin)
    return Matcher(base, thresholds, cache_size=settings.match_cache_size)


def check_directory(settings: Settings) -> tuple[CentreDirectory | None, list[Problem]]:
    """Regions and centres, with every problem (errors) or else the gaps (warnings) `kb check` reports."""
    schedule = Schedule(settings.working_hours, settings.timezone, settings.holidays)
    regions, problems = load_regions(settings.knowledge_dir)
    centres, found = load_centres(settings.knowledge_dir, regions, partial(schedule_problem, schedule))
    if problems or found:
        return None, problems + found
    directory = CentreDirectory(regions, centres, schedule, settings.consultant_chat_id)
    return directory, gaps(centres, regions, str(settings.knowledge_dir / CENTRES_FILE))


def check_calendar(settings: Settings, entry_ids: Iterable[str]) -> list[Problem]:
    """The reminders' calendar's problems (a broken regions file is reported by `check_directory`)."""
    regions, problems = load_regions(settings.knowledge_dir)
    return [] if problems else load_calendar(settings.knowledge_dir, regions, entry_ids)[1]


def build_directory(settings: Settings) -> CentreDirectory:
    """The centres the desk runs with; raises KnowledgeError naming the broken file and field."""
    directory, problems = check_directory(settings)
    if directory is None:
        raise KnowledgeError(problems)
    return directory


def postgresql_options(timeout: float) -> dict[str, Any]:
    """Bounded waits on PostgreSQL: a stalled server (packets held, not refused) fails a
    statement after `timeout` seconds (asyncpg's command_timeout, on the client: the server may
    never see it), the server cancels one that runs longer (statement_timeout), and a request
    waits for a pooled connection no longer either. 0: no limit (maintenance, migrations)."""
    connect_args: dict[str, Any] = {"timeout": min(CONNECT_TIMEOUT, timeout) if timeout else CONNECT_TIMEOUT,
                                    "prepared_statement_cache_size": PREPARED_STATEMENTS}
    if not timeout:
        return {"connect_args": connect_args}
    connect_args["command_timeout"] = timeout
    connect_args["server_settings"] = {"statement_timeout": str(int(timeout * 1000))}
    return {"connect_args": connect_args, "pool_timeout": timeout}


def maintenance_engine(settings: Settings) -> AsyncEngine:
    """The engine for migrations and purges, whose statements may rightly run for minutes."""
    return make_engine(settings.model_copy(update={"database_timeout": 0}))


def make_engine(settings: Settings) -> AsyncEngine:
    """The engine of the desk's database.

    Pooled connections that sat idle are pinged before use and a lost connection
    discards the pool, so after an outage the desk reconnects by itself
    (`bot.db.liveness`); a PostgreSQL that does not answer fails the connect in
    seconds, not asyncpg's minute, and statements are bounded by DESK_DATABASE_TIMEOUT.
    SQLite gets write-ahead logging, so the inbox's writers do not block its readers, with
    synchronous=NORMAL: a commit survives a crash of the process (the durability the inbox
    promises before its 200), and only a power loss could take the last commits back.
    """
    url = make_url(settings.database_url)
    # A failed statement's error never carries its parameters (what users wrote, their ids) into a log.
    if url.get_backend_name() == "postgresql":
        engine = create_async_engine(url, hide_parameters=True, **postgresql_options(settings.database_timeout))
    else:
        engine = create_async_engine(url, hide_parameters=True)
    if url.get_backend_name() == "sqlite":
        event.listen(engine.sync_engine, "connect", sqlite_pragmas)
    ping_when_idle(engine)
    return engine


@asynccontextmanager
async def open_desk(settings: Settings, *, migrate: bool) -> AsyncIterator[Desk]:
    """A ready desk on the configured database (migrated first when asked)."""
    matcher = build_matcher(settings)
    engine = make_engine(settings)
    try:
        if migrate:
            await schema.upgrade(engine)
        yield Desk(matcher, SqlDeskStore(engine), Translator(), default_lang=settings.default_lang)
    finally:
        await engine.dispose()
