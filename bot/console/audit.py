"""The audit trail of the console: who did what to what, and when. Rows are only ever added.

`target` names what was changed ("staff:aigerim", "entry:grants.how-apply", "draft:12") so
one thing's history is one indexed query; `details` says what changed, in words or JSON.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.db.models import aware
from bot.db.staff import StaffAudit


@dataclass(frozen=True)
class Change:
    who: str
    at: dt.datetime
    action: str
    target: str
    details: str


async def record(conn: AsyncConnection, who: str, action: str, target: str, details: str,
                 at: dt.datetime) -> None:
    """Write one change, in the caller's transaction: the change and its record stand or fall together."""
    await conn.execute(insert(StaffAudit).values(who=who, at=at, action=action, target=target, details=details))


async def history(conn: AsyncConnection, target: str, limit: int = 100) -> list[Change]:
    """The changes of one thing, newest first."""
    rows = await conn.execute(select(StaffAudit.who, StaffAudit.at, StaffAudit.action, StaffAudit.target,
                                     StaffAudit.details)
                              .where(StaffAudit.target == target).order_by(StaffAudit.id.desc()).limit(limit))
    return [Change(r.who, aware(r.at), r.action, r.target, r.details) for r in rows]


async def recent(conn: AsyncConnection, limit: int = 50) -> list[Change]:
    """The latest changes of any kind, newest first (the head's staff page)."""
    rows = await conn.execute(select(StaffAudit.who, StaffAudit.at, StaffAudit.action, StaffAudit.target,
                                     StaffAudit.details).order_by(StaffAudit.id.desc()).limit(limit))
    return [Change(r.who, aware(r.at), r.action, r.target, r.details) for r in rows]
