"""The desk's own tables: users, their questions and feedback, and the curators' drafts, base version and digests."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column

from bot.db.models.base import Base, BigId, utcnow


class User(Base):
    """A person on one channel (a Telegram chat or a WhatsApp number)."""

    __tablename__ = "users"
    __table_args__ = (UniqueConstraint("channel", "external_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    external_id: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(256), default="")
    lang: Mapped[str | None] = mapped_column(String(2), nullable=True)
    region: Mapped[str | None] = mapped_column(String(32), nullable=True)  # None until asked or named
    first_seen: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_seen: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Question(Base):
    """The question log: what was asked and what the desk decided."""

    __tablename__ = "questions"
    # Answers per entry, for all time or a period, from the index alone (migration 0014).
    __table_args__ = (Index("ix_questions_decision_topic", "decision", "topic", "created_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(Text)
    lang: Mapped[str] = mapped_column(String(2))
    decision: Mapped[str] = mapped_column(String(16))
    topic: Mapped[str | None] = mapped_column(String(128), nullable=True)
    score: Mapped[float] = mapped_column(Float, default=0.0)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow,
                                                    server_default=func.now(), index=True)


class Feedback(Base):
    """A user's verdict on one answer; the latest verdict wins."""

    __tablename__ = "feedback"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id", ondelete="CASCADE"), unique=True)
    helpful: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class KbDraft(Base):
    """A knowledge entry proposed from a consultant's answer (`/faq`), until published or rejected.

    `body` is the entry as YAML text, in the ticket's language only; the curator
    completes the other language and the sources before `kb publish`.
    """

    __tablename__ = "kb_drafts"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id", ondelete="SET NULL"), nullable=True)
    lang: Mapped[str] = mapped_column(String(2))
    author: Mapped[str] = mapped_column(String(256), default="")
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="draft", index=True)
    reason: Mapped[str] = mapped_column(Text, default="")
    entry_id: Mapped[str] = mapped_column(String(128), default="")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    decided_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    # A revision of a published entry (migration 0014): its id, and a digest of its file when the draft began.
    revises: Mapped[str] = mapped_column(String(128), default="", server_default="")
    revises_digest: Mapped[str] = mapped_column(String(64), default="", server_default="")


class KbState(Base):
    """One row: the knowledge base's version, bumped by `kb publish` and `kb reload`.

    Every running instance polls it and loads the base again when it changes.
    """

    __tablename__ = "kb_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[int] = mapped_column(Integer, default=0)
    changed_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class DigestRun(Base):
    """A weekly digest claimed by one instance: the week's key is unique, so it is posted once."""

    __tablename__ = "digest_runs"

    week: Mapped[str] = mapped_column(String(16), primary_key=True)  # ISO year and week, e.g. 2026-W49
    claimed_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
