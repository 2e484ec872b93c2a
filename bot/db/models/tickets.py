"""The consultants' tables: tickets, their forum topics, the messages relayed, the groups' state."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy import text as sql
from sqlalchemy.orm import Mapped, mapped_column

from bot.db.models.base import Base, BigId, utcnow


class TicketRow(Base):
    """A user's request for a consultant: at most one open per user (a partial unique index).

    `history` is a JSON snapshot of the user's recent questions with the bot's
    decisions, taken when the ticket opened.
    """

    __tablename__ = "tickets"
    __table_args__ = (
        Index("uq_tickets_open_user", "user_id", unique=True,
              sqlite_where=sql("status = 'open'"), postgresql_where=sql("status = 'open'")),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    channel: Mapped[str] = mapped_column(String(16))
    chat_id: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(256), default="")
    handle: Mapped[str] = mapped_column(String(64), default="")
    lang: Mapped[str] = mapped_column(String(2))
    status: Mapped[str] = mapped_column(String(8), default="open", index=True)
    assignee: Mapped[str] = mapped_column(String(256), default="")
    history: Mapped[str] = mapped_column(Text, default="[]")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    last_user_message_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    assigned_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    closed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    closed_by: Mapped[str] = mapped_column(String(16), default="")
    reminded_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    rating: Mapped[int | None] = mapped_column(Integer, nullable=True)
    rated_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    reopened: Mapped[int] = mapped_column(Integer, default=0, server_default="0")  # times reopened
    centre: Mapped[str] = mapped_column(String(32), default="national", server_default="national")
    # The consultant (workspace user id) the ticket was offered to in turn, or who took it.
    consultant_id: Mapped[str] = mapped_column(String(64), default="", server_default="")
    first_reply_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    sla_flagged_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class TicketTopic(Base):
    """Where a ticket lives in the consultants' Telegram forum: its topic and card message."""

    __tablename__ = "ticket_topics"
    __table_args__ = (UniqueConstraint("chat_id", "thread_id"),)

    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    thread_id: Mapped[int] = mapped_column(BigInteger)
    card_message_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class TicketMessage(Base):
    """Every message of a ticket's conversation, and the outbox that delivers it.

    `status`: pending -> sending (claimed by one worker with `claim`) -> sent,
    failed, or held (WhatsApp window closed, released when the user writes).
    Notes are `internal` and never sent.
    """

    __tablename__ = "ticket_messages"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    direction: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(16))
    author: Mapped[str] = mapped_column(String(256), default="")
    text: Mapped[str] = mapped_column(Text, default="")
    payload: Mapped[str] = mapped_column(Text, default="{}")  # buttons, media type, source message id
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    claim: Mapped[str] = mapped_column(String(32), default="")
    claimed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    held_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    delivered_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    external_id: Mapped[str] = mapped_column(String(128), default="")
    error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ConsultantGroup(Base):
    """The consultants' Telegram group as last found: its chat id now (after an upgrade to a
    supergroup), and the problem that keeps the bot from posting there ("" when none)."""

    __tablename__ = "consultant_groups"

    configured_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)  # DESK_CONSULTANT_CHAT_ID
    chat_id: Mapped[int] = mapped_column(BigInteger)
    migrated_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    problem: Mapped[str] = mapped_column(Text, default="", server_default="")
    problem_since: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class ConsultantPresence(Base):
    """A consultant of one centre's group: present (offered new tickets in turn) or away.

    `last_offered_at` orders the turn: the present consultant offered a ticket longest ago is next."""

    __tablename__ = "consultant_presence"

    centre: Mapped[str] = mapped_column(String(32), primary_key=True)
    consultant_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(256), default="", server_default="")
    handle: Mapped[str] = mapped_column(String(64), default="", server_default="")
    present: Mapped[bool] = mapped_column(Boolean)
    changed_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_offered_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
