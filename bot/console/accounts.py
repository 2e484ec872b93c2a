"""Staff accounts: argon2id password hashes, roles, disabling. Used by the console and `civic-desk staff`.

Hashing and checking run in a worker thread: argon2 is deliberately slow and
memory-hard (that is what makes a stolen table expensive to guess), and the
event loop keeps serving meanwhile. A name that does not exist is checked
against a dummy hash, so the answer takes as long as for a real account and
does not tell which names exist.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.console import audit
from bot.db.models import utcnow
from bot.db.staff import ROLES, Staff, StaffSession

MIN_PASSWORD = 10
NAME_CHARS = set("abcdefghijklmnopqrstuvwxyz0123456789._-")
HASHER = PasswordHasher()
_DUMMY = HASHER.hash("not a password anyone has")


class AccountError(ValueError):
    """A refused change, said in one line for the person who asked; `reason` names it for the console."""

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message)
        self.reason = reason  # name, password, role, taken, missing, mismatch


@dataclass(frozen=True)
class Member:
    id: int
    name: str
    role: str
    active: bool = True

    def may(self, *roles: str) -> bool:
        return self.role in roles


def check_name(name: str) -> str:
    name = name.strip().lower()
    if not name or len(name) > 64 or not set(name) <= NAME_CHARS:
        raise AccountError("a name is 1-64 of a-z, 0-9, dot, dash and underscore, e.g. aigerim.k", "name")
    return name


def check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"a password needs at least {MIN_PASSWORD} characters", "password")
    return password


def check_role(role: str) -> str:
    if role not in ROLES:
        raise AccountError(f"a role is one of {', '.join(ROLES)}", "role")
    return role


def _matches(stored: str, password: str) -> bool:
    try:
        return HASHER.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


class StaffStore:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def add(self, name: str, role: str, password: str, by: str) -> Member:
        """A new account; `by` (a head's name, or "cli") is written to the audit trail with it."""
        name, role = check_name(name), check_role(role)
        hashed = await asyncio.to_thread(HASHER.hash, check_password(password))
        now = utcnow()
        async with self.engine.begin() as conn:
            if (await conn.execute(select(Staff.id).where(Staff.name == name))).first():
                raise AccountError(f"there is already an account named {name}", "taken")
            result = await conn.execute(insert(Staff).values(
                name=name, role=role, password_hash=hashed, active=True, created_at=now, password_changed_at=now))
            await audit.record(conn, by, "staff.add", f"staff:{name}", f"role {role}", now)
        return Member(result.inserted_primary_key[0], name, role)

    async def set_password(self, name: str, password: str, by: str) -> None:
        """A new password; every session of the account ends (a leaked one stops working)."""
        hashed = await asyncio.to_thread(HASHER.hash, check_password(password))
        member = await self._existing(name)
        now = utcnow()
        async with self.engine.begin() as conn:
            await conn.execute(update(Staff).where(Staff.id == member.id)
                               .values(password_hash=hashed, password_changed_at=now))
            await conn.execute(delete(StaffSession).where(StaffSession.staff_id == member.id))
            await audit.record(conn, by, "staff.password", f"staff:{member.name}", "", now)

    async def disable(self, name: str, by: str) -> Member:
        """The account may no longer log in and its sessions end; the row stays for the audit trail."""
        member = await self._existing(name)
        now = utcnow()
        async with self.engine.begin() as conn:
            await conn.execute(update(Staff).where(Staff.id == member.id).values(active=False))
            await conn.execute(delete(StaffSession).where(StaffSession.staff_id == member.id))
            await audit.record(conn, by, "staff.disable", f"staff:{member.name}", "", now)
        return member

    async def members(self) -> list[Member]:
        async with self.engine.connect() as conn:
            rows = await conn.execute(select(Staff.id, Staff.name, Staff.role, Staff.active).order_by(Staff.name))
            return [Member(*row) for row in rows]

    async def verify(self, name: str, password: str) -> Member | None:
        """The active member with this name and password, else None (in about the same time)."""
        async with self.engine.connect() as conn:
            row = (await conn.execute(select(Staff.id, Staff.name, Staff.role, Staff.active, Staff.password_hash)
                                      .where(Staff.name == name.strip().lower()))).first()
        stored = row.password_hash if row is not None else _DUMMY
        matches = await asyncio.to_thread(_matches, stored, password)
        if row is None or not matches or not row.active:
            return None
        return Member(row.id, row.name, row.role)

    async def _existing(self, name: str) -> Member:
        name = check_name(name)
        async with self.engine.connect() as conn:
            row = (await conn.execute(select(Staff.id, Staff.name, Staff.role, Staff.active)
                                      .where(Staff.name == name))).first()
        if row is None:
            raise AccountError(f"there is no account named {name}", "missing")
        return Member(*row)
