"""The composition root: builds the services once, from settings, and hands them out by name."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from bot.config import Settings
from bot.db import schema
from bot.db.store import SqlDeskStore
from handlers import Desk, Translator
from knowledge import Matcher, Thresholds, load_base


def build_matcher(settings: Settings) -> Matcher:
    """Load and index the knowledge base; raises KnowledgeError naming the broken file."""
    base = load_base(settings.knowledge_dir, max_age_days=settings.kb_max_age_days)
    thresholds = Thresholds(answer=settings.answer_threshold, clarify=settings.clarify_threshold,
                            margin=settings.answer_margin)
    return Matcher(base, thresholds)


def make_engine(settings: Settings) -> AsyncEngine:
    return create_async_engine(settings.database_url, pool_pre_ping=True)


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
