"""Migration 0011 brings existing tickets along: their centre kept (a missing one becomes the national
centre), their first reply read back from the relayed messages, nobody flagged late or present yet."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from bot.app.config import Settings
from bot.db import schema
from bot.db.presence import SqlPresenceStore
from bot.db.tickets import SqlTicketStore
from tests.bot.test_migration_regions import NOW, upgrade_to
from tests.fixtures import reset_database

TICKET = ("INSERT INTO tickets (id, user_id, channel, chat_id, name, handle, lang, status, assignee, history, "
          "created_at, last_user_message_at, closed_by, centre) VALUES "
          "(:id, 1, 'telegram', '42', 'Айгерім', '', 'kk', :status, '', '[]', :now, :now, '', :centre)")
MESSAGE = ("INSERT INTO ticket_messages (ticket_id, direction, kind, author, text, payload, status, attempts, "
           "next_attempt_at, claim, external_id, error, created_at) VALUES "
           "(:ticket, :direction, :kind, :author, 'сәлем', '{}', 'sent', 1, :at, '', '', '', :at)")


async def test_existing_tickets_keep_their_centre_and_their_first_reply(settings: Settings) -> None:
    engine = create_async_engine(settings.database_url)
    try:
        await reset_database(engine)
        async with engine.begin() as conn:
            await conn.run_sync(upgrade_to, "0010")
            await conn.execute(text("INSERT INTO users (id, channel, external_id, name, lang, region, first_seen, "
                                    "last_seen) VALUES (1, 'telegram', '42', 'Айгерім', 'kk', NULL, :now, :now)"),
                               {"now": NOW})
            for ticket_id, status, centre in ((1, "closed", "karaganda"), (2, "closed", ""), (3, "open", "national")):
                await conn.execute(text(TICKET), {"id": ticket_id, "status": status, "centre": centre, "now": NOW})
            replies = [(1, "to_consultants", "text", "", 1), (1, "to_consultants", "notice", "", 2),
                       (1, "to_user", "text", "", 3),  # the desk's own words (a rating request) are no reply
                       (1, "to_user", "text", "Асель", 10), (1, "to_user", "text", "Асель", 20)]
            for ticket_id, direction, kind, author, minutes in replies:
                await conn.execute(text(MESSAGE), {"ticket": ticket_id, "direction": direction, "kind": kind,
                                                   "author": author, "at": NOW.replace(minute=minutes)})
        await schema.upgrade(engine)

        tickets = SqlTicketStore(engine)
        first, second, third = [await tickets.get(n) for n in (1, 2, 3)]
        assert first is not None and second is not None and third is not None
        assert (first.centre, second.centre, third.centre) == ("karaganda", "national", "national")
        assert first.first_reply_at == NOW.replace(minute=10)
        assert second.first_reply_at is None and third.first_reply_at is None
        assert all(t.sla_flagged_at is None and t.consultant_id == "" for t in (first, second, third))
        assert [t.id for t in await tickets.unanswered()] == [3]  # the open one is measured from its opening
        assert await SqlPresenceStore(engine).roster("national") == []
    finally:
        await engine.dispose()
