"""Tables of the desk. Alembic migrations in `bot/db/migrations` create them."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy import text as sql
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
OPEN_DELIVERIES = "status IN ('pending', 'processing')"  # an inbox row still to be handled
# SQLite only auto-increments INTEGER primary keys; PostgreSQL gets BIGINT.
BigId = BigInteger().with_variant(Integer(), "sqlite")


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


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


class InboundEvent(Base):
    """A webhook delivery, stored before it is acknowledged so a crash cannot lose it.

    `event_key` is the platform's id (Telegram update_id, WhatsApp wamid): a
    second delivery of the same key is a duplicate and is never handled twice.
    """

    __tablename__ = "inbound_events"
    __table_args__ = (
        UniqueConstraint("channel", "event_key"),
        # The open deliveries by chat (migration 0005): claims ask for an earlier open one.
        Index("ix_inbound_events_open_chat", "channel", "order_key", "id",
              postgresql_where=sql(OPEN_DELIVERIES), sqlite_where=sql(OPEN_DELIVERIES)),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    event_key: Mapped[str] = mapped_column(String(128))
    order_key: Mapped[str] = mapped_column(String(128), default="")
    payload: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str] = mapped_column(Text, default="")
    received_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    processed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    owner: Mapped[str] = mapped_column(String(64), default="", server_default="")  # the claiming instance


class WhatsAppContact(Base):
    """A WhatsApp user's service window and the numbered menu they were last offered.

    Free-form replies are allowed only within 24 hours of the user's last
    message; `choices` maps the digits of a numbered text menu back to button data.
    """

    __tablename__ = "whatsapp_contacts"

    wa_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(256), default="")
    last_inbound_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    choices: Mapped[str] = mapped_column(Text, default="[]")  # JSON list of button data


class WhatsAppOutbound(Base):
    """Every message sent to the Graph API, with its outcome (sent, failed or skipped)."""

    __tablename__ = "whatsapp_outbound"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    wa_id: Mapped[str] = mapped_column(String(32), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    payload: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), index=True)
    wamid: Mapped[str | None] = mapped_column(String(128), nullable=True, index=True)
    http_status: Mapped[int] = mapped_column(Integer, default=0)
    error_code: Mapped[int | None] = mapped_column(Integer, nullable=True)
    error: Mapped[str] = mapped_column(Text, default="")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class WhatsAppDeliveryFailure(Base):
    """A `failed` status callback: a reply that never reached the user (for the consultant view)."""

    __tablename__ = "whatsapp_delivery_failures"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    wamid: Mapped[str] = mapped_column(String(128), unique=True)
    recipient_id: Mapped[str] = mapped_column(String(32), index=True)
    error_code: Mapped[int | None] = mapped_column(Integer, nullable=True)
    error_title: Mapped[str] = mapped_column(String(256), default="")
    error_details: Mapped[str] = mapped_column(Text, default="")
    failed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    received_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


def aware(value: dt.datetime) -> dt.datetime:
    """SQLite hands back naive datetimes; the desk stores them in UTC."""
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


class Ticket(Base):
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


class OutboundMessage(Base):
    """A message of the desk to one chat that could not go out at once, kept until it does.

    `body` is the platform's own JSON (a Bot API sendMessage body, a Graph API message
    object). `status`: pending -> sending (claimed with `claim`) -> sent, or failed once
    `deadline_at` passed. A chat's messages go out in `id` order.
    """

    __tablename__ = "outbound_messages"
    __table_args__ = (Index("ix_outbound_messages_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    chat_id: Mapped[str] = mapped_column(String(64))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    deadline_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    claim: Mapped[str] = mapped_column(String(32), default="")
    claimed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    sent_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
