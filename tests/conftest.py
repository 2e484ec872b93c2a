"""Shared fixtures: settings on a temporary database, a migrated engine, the real base."""

from __future__ import annotations

import logging
import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from bot.app.config import Settings
from bot.db import schema
from bot.db.store import SqlDeskStore
from handlers import Desk, Translator
from knowledge import Matcher, load_base

pytest_plugins = ("tests.platforms",)  # the fake Telegram and WhatsApp servers


def database_url(tmp_path: Path) -> str:
    """SQLite in a temporary file, or DESK_TEST_DATABASE_URL (e.g. the local PostgreSQL)."""
    return os.environ.get("DESK_TEST_DATABASE_URL") or f"sqlite+aiosqlite:///{tmp_path / 'desk.db'}"


async def reset_database(engine: AsyncEngine) -> None:
    """Drop every table so each test starts from an empty, freshly migrated database."""
    if engine.dialect.name == "postgresql":
        async with engine.begin() as conn:
            await conn.execute(text("DROP SCHEMA public CASCADE"))
            await conn.execute(text("CREATE SCHEMA public"))


@pytest.fixture(autouse=True)
def root_logging_restored() -> Iterator[None]:
    """A command run in-process (`serve` refusing to start) configures logging; the next test starts clean."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


@pytest.fixture(scope="session")
def matcher() -> Matcher:
    return Matcher(load_base())


@pytest.fixture(scope="session")
def translator() -> Translator:
    return Translator()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    # Pacing is timed in tests/bot/test_pacing.py; conversation scripts check words, not seconds.
    return Settings(database_url=database_url(tmp_path), _env_file=None,  # type: ignore[call-arg]
                    telegram_chat_messages_per_second=0, telegram_group_messages_per_minute=0)


@pytest.fixture
async def engine(settings: Settings) -> AsyncIterator[AsyncEngine]:
    engine = create_async_engine(settings.database_url)
    await reset_database(engine)
    await schema.upgrade(engine)
    yield engine
    await engine.dispose()


@pytest.fixture
def store(engine: AsyncEngine) -> SqlDeskStore:
    return SqlDeskStore(engine)


@pytest.fixture
def desk(matcher: Matcher, store: SqlDeskStore, translator: Translator) -> Desk:
    return Desk(matcher, store, translator)
