"""Migration 0010 brings existing users and tickets along: region unknown (asked later), national centre."""

from __future__ import annotations

import datetime as dt

from alembic import command
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from bot.app.config import Settings
from bot.db import schema
from bot.db.store import SqlDeskStore
from bot.db.tickets import SqlTicketStore
from handlers import Channel
from tests.fixtures import reset_database

NOW = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)


def upgrade_to(connection: Connection, revision: str) -> None:
    config = schema.alembic_config()
    config.attributes["connection"] = connection
    command.upgrade(config, revision)


async def test_existing_users_get_no_region_and_existing_tickets_the_national_centre(settings: Settings) -> None:
    engine = create_async_engine(settings.database_url)
    try:
        await reset_database(engine)
        async with engine.begin() as conn:
            await conn.run_sync(upgrade_to, "0005")
            await conn.execute(
                text(
                    "INSERT INTO users (id, channel, external_id, name, lang, first_seen, last_seen) "
                    "VALUES (1, 'telegram', '42', 'Айгерім', 'kk', :now, :now)"
                ),
                {"now": NOW},
            )
            await conn.execute(
                text(
                    "INSERT INTO tickets (id, user_id, channel, chat_id, name, handle, lang, status, "
                    "assignee, history, created_at, last_user_message_at, closed_by) VALUES "
                    "(1, 1, 'telegram', '42', 'Айгерім', '', 'kk', 'open', '', '[]', :now, :now, '')"
                ),
                {"now": NOW},
            )
        await schema.upgrade(engine)

        user = await SqlDeskStore(engine).touch_user(Channel.TELEGRAM, "42", "Айгерім")
        ticket = await SqlTicketStore(engine).get(1)
        assert (user.id, user.lang, user.region) == (1, "kk", None)
        assert ticket is not None and ticket.centre == "national"

        await SqlDeskStore(engine).set_region(1, "karaganda")
        assert (await SqlDeskStore(engine).touch_user(Channel.TELEGRAM, "42", "")).region == "karaganda"
    finally:
        await engine.dispose()
