"""Migration 0016: consultants' replies still owed to users at the upgrade go out in the users' lanes."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import create_async_engine

from bot.app.config import Settings
from bot.db import schema
from bot.db.models import TicketMessage
from bot.db.store import SqlDeskStore
from bot.db.tickets import SqlTicketStore
from bot.pipeline import relay_table
from bot.pipeline.outbound import Outbound
from bot.pipeline.outcome import Outcome
from bot.pipeline.relay_rows import Delivery
from bot.pipeline.user_relays import UserRelays
from handlers import Channel
from handlers.ports import Direction, NewTicket, Relay, RelayKind
from tests.bot.test_migration_regions import upgrade_to
from tests.fixtures import reset_database

NOW = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)


async def test_replies_pending_or_held_at_the_upgrade_are_delivered_after_it_in_the_order_written(
        settings: Settings) -> None:
    engine = create_async_engine(settings.database_url)
    try:
        await reset_database(engine)
        async with engine.begin() as conn:
            await conn.run_sync(upgrade_to, "0015")
        user = await SqlDeskStore(engine).touch_user(Channel.TELEGRAM, "42", "Айгерім")
        ticket, _ = await SqlTicketStore(engine).open(NewTicket(
            user.id, Channel.TELEGRAM, "42", "Айгерім", "", "kk", (), NOW))
        async with engine.begin() as conn:  # the old outbox's rows, as the last run left them
            for text, direction, status in (("сұрақ", Direction.TO_CONSULTANTS, "sent"),
                                            ("бірінші жауап", Direction.TO_USER, "sent"),
                                            ("екінші жауап", Direction.TO_USER, "sending"),
                                            ("үшінші жауап", Direction.TO_USER, "pending"),
                                            ("ұсталған жауап", Direction.TO_USER, "held")):
                row_id, _ = await relay_table.put(conn, Relay(ticket.id, direction, RelayKind.TEXT, text), NOW)
                await conn.execute(update(TicketMessage).where(TicketMessage.id == row_id).values(status=status))

        await schema.upgrade(engine)

        received: list[str] = []

        async def telegram_users(delivery: Delivery) -> Outcome:
            received.append(delivery.text)
            return Outcome.sent("m")

        async def no_bodies(chat_id: str, body: dict[str, object]) -> Outcome:
            raise AssertionError("only relays were owed")

        users = Outbound(engine, {"telegram": no_bodies}, relays=UserRelays(engine, {"telegram": telegram_users}))
        await users.drain()
        assert received == ["екінші жауап", "үшінші жауап"]  # the held one waits for the user
        assert await users.release_held("telegram", "42") == 1
        await users.drain()
        assert received == ["екінші жауап", "үшінші жауап", "ұсталған жауап"]
        async with engine.connect() as conn:
            statuses = (await conn.execute(select(TicketMessage.status).order_by(TicketMessage.id))).scalars().all()
        assert statuses == ["sent"] * 5
    finally:
        await engine.dispose()
