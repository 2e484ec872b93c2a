"""`civic-desk tickets [--centre ID]`: the open tickets with their centre, age and assignee."""

from __future__ import annotations

import datetime as dt
import sys

from bot.app.config import Settings
from bot.db.models import utcnow
from bot.db.tickets import SqlTicketStore
from handlers.ports import Ticket

HEADER = ("ticket", "centre", "channel", "lang", "name", "age", "assignee")


def age(span: dt.timedelta) -> str:
    """"3d 04h", "2h 05m", "7m": short enough for a terminal column."""
    minutes = max(0, int(span.total_seconds()) // 60)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    if days:
        return f"{days}d {hours:02d}h"
    return f"{hours}h {minutes:02d}m" if hours else f"{minutes}m"


def table(tickets: list[Ticket], now: dt.datetime) -> list[str]:
    rows = [HEADER] + [(f"№{t.id}", t.centre, t.channel.value, t.lang, t.name or t.chat_id,
                        age(now - t.created_at), t.assignee or "— waiting —") for t in tickets]
    widths = [max(len(row[i]) for row in rows) for i in range(len(HEADER))]
    return ["  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
            for row in rows]


async def print_open_tickets(settings: Settings, centre: str | None = None) -> int:
    from bot.app.compose import build_directory, make_engine  # the CLI imports the database only when asked

    if centre is not None:
        known = [c.id for c in build_directory(settings).centres.centres]
        if centre not in known:
            print(f"civic-desk tickets: no centre {centre!r} in centres.yaml; the centres are: {', '.join(known)}",
                  file=sys.stderr)
            return 2
    engine = make_engine(settings)
    try:
        tickets = await SqlTicketStore(engine).list_open(centre)
    finally:
        await engine.dispose()
    if not tickets:
        print("no open tickets" + (f" of centre {centre}" if centre else ""))
        return 0
    for line in table(tickets, utcnow()):
        print(line)
    waiting = sum(1 for t in tickets if not t.assignee)
    print(f"{len(tickets)} open, {waiting} waiting for a consultant")
    return 0
