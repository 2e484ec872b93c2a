"""Schema versions: upgrade with Alembic, and tell whether a database is current."""

from __future__ import annotations

import sys
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config(url: str = "") -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url)
    return config


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


async def upgrade(engine: AsyncEngine) -> None:
    """Bring the database to the newest schema."""

    def run(connection: Connection) -> None:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.upgrade(config, "head")

    async with engine.begin() as connection:
        await connection.run_sync(run)


async def current_revision(engine: AsyncEngine) -> str | None:
    async with engine.connect() as connection:
        return await connection.run_sync(
            lambda sync: MigrationContext.configure(sync).get_current_revision())


async def out_of_date(engine: AsyncEngine) -> str | None:
    """Why the desk may not use this database yet; None when its schema is current."""
    current, head = await current_revision(engine), head_revision()
    if current == head:
        return None
    return f"the database schema is at {current or 'nothing'}, the desk needs {head}: run `civic-desk db upgrade` first"


async def refuses(engine: AsyncEngine, verb: str) -> bool:
    """True, with the reason and what to run on stderr, when the schema is not the one `civic-desk
    <verb>` needs: every command that uses the desk's tables says it in the same words."""
    problem = await out_of_date(engine)
    if problem:
        print(f"civic-desk {verb}: {problem}", file=sys.stderr)
    return problem is not None
