"""Tables of the staff console: accounts, sessions, login attempts and the audit trail (migration 0013)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, DateTime, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bot.db.models import Base, BigId, utcnow

ROLES = ("head", "curator", "viewer")  # the head manages staff; curators edit; viewers read


class Staff(Base):
    """A person who may log in to the console; never deleted (the audit names them), only disabled."""

    __tablename__ = "staff"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str] = mapped_column(String(256))  # argon2id, with its own salt and parameters
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    password_changed_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class StaffSession(Base):
    """A logged-in browser. `id` is the SHA-256 of the cookie's token: the table alone logs nobody in."""

    __tablename__ = "staff_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id", ondelete="CASCADE"), index=True)
    csrf: Mapped[str] = mapped_column(String(64))  # the token every form of this session carries
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    seen_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class LoginAttempt(Base):
    """One try at the login form: failures within a window lock the account and the address."""

    __tablename__ = "login_attempts"
    __table_args__ = (Index("ix_login_attempts_account_at", "account", "at"),
                      Index("ix_login_attempts_address_at", "address", "at"))

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    account: Mapped[str] = mapped_column(String(64))
    address: Mapped[str] = mapped_column(String(64))
    succeeded: Mapped[bool] = mapped_column(Boolean)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class StaffAudit(Base):
    """Who did what to what, and when: staff changes, logins, knowledge edits. Only ever appended."""

    __tablename__ = "staff_audit"
    __table_args__ = (Index("ix_staff_audit_target_at", "target", "at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    who: Mapped[str] = mapped_column(String(64))
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    action: Mapped[str] = mapped_column(String(64))
    target: Mapped[str] = mapped_column(String(256), default="")
    details: Mapped[str] = mapped_column(Text, default="")
