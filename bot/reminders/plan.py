"""`civic-desk remind plan [--days N]`: which reminders go out when, and to how many users.

Counted as the sender will count them: active subscribers of the event's stream
(and region) on a configured messenger who subscribed before the send time, less
those who got this reminder already.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from zoneinfo import ZoneInfo

from sqlalchemy import and_, exists, func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app.compose import build_directory, build_matcher, make_engine
from bot.app.config import Settings
from bot.db import schema
from bot.db.models import User, utcnow
from bot.reminders.scheduler import subscribers
from bot.reminders.source import CalendarSource
from bot.reminders.tables import ReminderSubscription, SentReminder
from knowledge.calendar import Due

sent, users, subscriptions = SentReminder.__table__, User.__table__, ReminderSubscription.__table__


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    remind = sub.add_parser("remind", help="deadline reminders").add_subparsers(dest="remind_command", required=True)
    plan = remind.add_parser("plan", help="the reminders of the coming days: when, what, to how many users")
    plan.add_argument("--days", type=int, default=60, metavar="N", help="how many days ahead (default 60)")


def channels(settings: Settings) -> tuple[str, ...]:
    """The messengers `serve` will run, so the reminders it can send."""
    running = []
    if settings.telegram_token.get_secret_value():
        running.append("telegram")
    if settings.whatsapp_token.get_secret_value() and settings.whatsapp_phone_number_id:
        running.append("whatsapp")
    return tuple(running)


async def audience(engine: AsyncEngine, due: Due, running: tuple[str, ...]) -> tuple[int, int]:
    """(users it will go to, users who got it already)."""
    already = exists().where(sent.c.event_id == due.event.id, sent.c.occurrence == due.occurrence.isoformat(),
                             sent.c.offset_days == due.offset, sent.c.user_id == subscriptions.c.user_id)
    base = (select(func.count()).select_from(subscriptions.join(users, users.c.id == subscriptions.c.user_id))
            .where(*subscribers(due.event, running), subscriptions.c.subscribed_at <= due.send_at))
    async with engine.connect() as conn:
        waiting = await conn.scalar(base.where(~already)) or 0
        done = await conn.scalar(select(func.count()).select_from(sent).where(and_(
            sent.c.event_id == due.event.id, sent.c.occurrence == due.occurrence.isoformat(),
            sent.c.offset_days == due.offset))) or 0
    return waiting, done


async def run(settings: Settings, args: argparse.Namespace) -> int:
    if args.days < 1:
        print("civic-desk remind plan: --days must be 1 or more", file=sys.stderr)
        return 2
    zone = ZoneInfo(settings.timezone)
    matcher, directory = build_matcher(settings), build_directory(settings)
    calendar = CalendarSource(settings.knowledge_dir, directory.regions, lambda: [e.id for e in matcher.base.entries])()
    today = utcnow().astimezone(zone).date()
    at = dt.time.fromisoformat(settings.reminder_time)
    engine = make_engine(settings)
    try:
        if await schema.refuses(engine, "remind plan"):
            return 1
        plan = calendar.reminders(today, today + dt.timedelta(days=args.days), zone, at)
        print(f"Reminders of the next {args.days} days ({settings.timezone}), for {', '.join(channels(settings))}:"
              if channels(settings) else "No messenger is configured: nothing would be sent.")
        for due in plan:
            waiting, done = await audience(engine, due, channels(settings))
            print(f"{due.send_at.astimezone(zone):%Y-%m-%d %H:%M}  {due.event.id}  deadline "
                  f"{due.occurrence:%d.%m.%Y}, {_count(due.offset, 'day')} before: {_count(waiting, 'user')}"
                  + (f" ({done} sent already)" if done else ""))
        if not plan:
            print("none")
    finally:
        await engine.dispose()
    return 0


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"
