"""The reminders' tables (migration 0012), on the desk's metadata.

`reminder_subscriptions`: one row per user and stream; stopping keeps the row (with
why and when), so a user who stopped is never counted or messaged again until they
subscribe anew. `sent_reminders`: one row per (event, occurrence, offset, user), the
unique key that makes each reminder go out once whatever the number of instances.
`reminder_leases`: which instance is the one sender, until when.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.db.models import Base, BigId, utcnow


class ReminderSubscription(Base):
    __tablename__ = "reminder_subscriptions"
    __table_args__ = (UniqueConstraint("user_id", "stream"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    stream: Mapped[str] = mapped_column(String(64))
    own_region: Mapped[bool] = mapped_column(Boolean, default=False)  # only the user's region's events
    subscribed_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    stopped_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    stop_reason: Mapped[str] = mapped_column(String(16), default="")  # user, blocked, undeliverable


class SentReminder(Base):
    """status: new (stored, not yet handed to the outbox) -> queued -> delivered or failed;
    cancelled when the user stopped before it went out."""

    __tablename__ = "sent_reminders"
    __table_args__ = (UniqueConstraint("event_id", "occurrence", "offset_days", "user_id",
                                       name="uq_sent_reminders_once"),
                      Index("ix_sent_reminders_status", "status"))

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    event_id: Mapped[str] = mapped_column(String(128))
    occurrence: Mapped[str] = mapped_column(String(10))  # YYYY-MM-DD of the deadline
    offset_days: Mapped[int] = mapped_column(Integer)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    stream: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default="new")
    external_id: Mapped[str] = mapped_column(String(128), default="")  # the platform's message id
    error: Mapped[str] = mapped_column(Text, default="")  # the platform's refusal, never a user's words
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    settled_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class ReminderLease(Base):
    __tablename__ = "reminder_leases"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    holder: Mapped[str] = mapped_column(String(128))
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
