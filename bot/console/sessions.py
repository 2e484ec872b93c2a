"""Console sessions kept in the database: a random token in an HttpOnly cookie, its hash in the table.

A session ends at logout, after `DESK_CONSOLE_IDLE_MINUTES` without a request, after
`LIFETIME` whatever happens, and when its account is disabled or its password changed.
Its row also holds the CSRF token of its forms. `seen_at` is written at most once a
minute, so reading pages does not turn into a write per request.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.console.accounts import Member
from bot.db.models import aware
from bot.db.staff import Staff, StaffSession

LIFETIME = dt.timedelta(hours=12)  # a working day, then log in again
TOUCH_EVERY = dt.timedelta(minutes=1)


def token_id(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class Session:
    member: Member
    csrf: str


@dataclass(frozen=True)
class Expired:
    """A session that existed but ended for lack of use: the login page says so."""


class SessionStore:
    def __init__(self, engine: AsyncEngine, idle: dt.timedelta) -> None:
        self.engine, self.idle = engine, idle

    async def open(self, member: Member, now: dt.datetime) -> tuple[str, Session]:
        """A new session; returns the cookie's token (only its hash is stored)."""
        token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        async with self.engine.begin() as conn:
            await conn.execute(insert(StaffSession).values(id=token_id(token), staff_id=member.id, csrf=csrf,
                                                           created_at=now, seen_at=now))
        return token, Session(member, csrf)

    async def find(self, token: str, now: dt.datetime) -> Session | Expired | None:
        """The live session of this token (marked seen), Expired when it ran out, else None."""
        key = token_id(token)
        async with self.engine.connect() as conn:
            row = (await conn.execute(
                select(StaffSession.csrf, StaffSession.created_at, StaffSession.seen_at,
                       Staff.id, Staff.name, Staff.role, Staff.active)
                .join(Staff, Staff.id == StaffSession.staff_id).where(StaffSession.id == key))).first()
        if row is None:
            return None
        seen, created = aware(row.seen_at), aware(row.created_at)
        if not row.active or now - seen > self.idle or now - created > LIFETIME:
            await self.close(token)
            return Expired()
        if now - seen > TOUCH_EVERY:
            async with self.engine.begin() as conn:
                await conn.execute(update(StaffSession).where(StaffSession.id == key).values(seen_at=now))
        return Session(Member(row.id, row.name, row.role), row.csrf)

    async def close(self, token: str) -> None:
        async with self.engine.begin() as conn:
            await conn.execute(delete(StaffSession).where(StaffSession.id == token_id(token)))
