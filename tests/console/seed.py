"""A desk with a known past, written straight into the tables: the console must show exactly this.

Everything is relative to `now` and the desk's time zone (the served console reads the real
clock, so its days are the desk's local days). The numbers
the tests expect are computed from these tables, never typed in twice.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.console.accounts import StaffStore
from bot.db.models import Question, TicketMessage, TicketRow, User

PASSWORD = "correct horse battery"  # every seeded account's
ACCOUNTS = {"head": "aigerim", "curator": "dana", "viewer": "yerlan"}


@dataclass(frozen=True)
class Asked:
    """`count` typed questions `days_ago` (at noon UTC) from one user."""

    days_ago: int
    channel: str
    lang: str
    decision: str
    count: int
    topic: str | None = None
    text: str = "Как зарегистрировать общественное объединение?"


# What users asked: two channels, two languages, every decision of the mix, over four days.
ASKED = (
    Asked(0, "telegram", "kk", "answer", 7, "grants.how-apply", "Грантқа қалай өтінім беремін?"),
    Asked(0, "whatsapp", "ru", "answer", 4, "gsz.what-is"),
    Asked(0, "telegram", "ru", "clarify", 3),
    Asked(1, "whatsapp", "kk", "fallback", 5, None, "Салық есебін қайда тапсырамыз?"),
    Asked(1, "telegram", "ru", "escalate", 2),
    Asked(2, "telegram", "kk", "answer", 6, "grants.how-apply", "Грант туралы айтыңызшы"),
    Asked(3, "whatsapp", "ru", "fallback", 3, None, "Где взять справку о несудимости для директора?"),
    Asked(12, "telegram", "ru", "answer", 9, "gsz.what-is"),  # outside a 7-day period
)


@dataclass(frozen=True)
class Opened:
    """A ticket opened `hours_ago`, first answered `reply_after` minutes later (None: not yet)."""

    name: str
    channel: str
    lang: str
    hours_ago: float
    assignee: str
    status: str
    centre: str
    reply_after: float | None
    rating: int | None = None


TICKETS = (  # oldest first, as the desk opens them (the list's order is the tickets' numbers)
    Opened("Ольга", "whatsapp", "ru", 50, "consultant.timur", "closed", "karaganda", 40, 3),
    Opened("Бауыржан", "telegram", "kk", 30, "consultant.aliya", "closed", "karaganda", 20, 5),
    Opened("Мария", "whatsapp", "ru", 5, "consultant.aliya", "open", "national", 10),
    Opened("Айгерім", "telegram", "kk", 3, "", "open", "national", None),
)
USER_SAYS = "Сәлеметсіз бе, бізге кеңес керек"
CONSULTANT_SAYS = "Сәлеметсіз бе! Жарғыны жіберіңізші."


def noon(now: dt.datetime, days_ago: int, zone: dt.tzinfo) -> dt.datetime:
    """Noon of the desk's day `days_ago` before `now`; today's is kept in the past and in today."""
    today = now.astimezone(zone).date()
    day = today - dt.timedelta(days=days_ago)
    moment = dt.datetime(day.year, day.month, day.day, 12, tzinfo=zone)
    midnight = dt.datetime(today.year, today.month, today.day, tzinfo=zone)
    if days_ago == 0:
        moment = max(min(moment, now - dt.timedelta(minutes=5)), midnight)
    return moment.astimezone(dt.UTC)  # the tables hold UTC


async def seed_desk(engine: AsyncEngine, now: dt.datetime, zone: dt.tzinfo) -> None:
    async with engine.begin() as conn:
        for n, asked in enumerate(ASKED):
            user_id = (await conn.execute(insert(User).values(
                channel=asked.channel, external_id=f"u{n}", name=f"user {n}", lang=asked.lang,
                first_seen=now, last_seen=now))).inserted_primary_key[0]
            at = noon(now, asked.days_ago, zone)
            await conn.execute(insert(Question), [
                {"user_id": user_id, "text": asked.text, "lang": asked.lang, "decision": asked.decision,
                 "topic": asked.topic, "score": 0.5, "created_at": at + dt.timedelta(seconds=i)}
                for i in range(asked.count)])
        for n, opened in enumerate(TICKETS):
            await seed_ticket(conn, n, opened, now)


async def seed_ticket(conn, n: int, opened: Opened, now: dt.datetime) -> None:  # type: ignore[no-untyped-def]
    at = now - dt.timedelta(hours=opened.hours_ago)
    user_id = (await conn.execute(insert(User).values(
        channel=opened.channel, external_id=f"t{n}", name=opened.name, lang=opened.lang, first_seen=at,
        last_seen=at))).inserted_primary_key[0]
    history = json.dumps([{"text": "грант", "decision": "fallback", "topic": None}])
    ticket_id = (await conn.execute(insert(TicketRow).values(
        user_id=user_id, channel=opened.channel, chat_id=f"t{n}", name=opened.name, lang=opened.lang,
        status=opened.status, assignee=opened.assignee, history=history, created_at=at, last_user_message_at=at,
        rating=opened.rating, centre=opened.centre,
        closed_at=at + dt.timedelta(hours=2) if opened.status == "closed" else None))).inserted_primary_key[0]
    messages = [{"ticket_id": ticket_id, "direction": "to_consultants", "kind": "text", "author": "",
                 "text": USER_SAYS, "status": "sent", "created_at": at}]
    if opened.reply_after is not None:
        messages.append({"ticket_id": ticket_id, "direction": "to_user", "kind": "text",
                         "author": opened.assignee, "text": CONSULTANT_SAYS, "status": "sent",
                         "created_at": at + dt.timedelta(minutes=opened.reply_after)})
        messages.append({"ticket_id": ticket_id, "direction": "note", "kind": "note", "author": opened.assignee,
                         "text": "ішкі ескертпе", "status": "internal",
                         "created_at": at + dt.timedelta(minutes=opened.reply_after + 1)})
    await conn.execute(insert(TicketMessage), messages)


async def seed_staff(engine: AsyncEngine) -> None:
    store = StaffStore(engine)
    for role, name in ACCOUNTS.items():
        await store.add(name, role, PASSWORD, by="seed")
