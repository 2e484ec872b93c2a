"""The durable pipeline's tables: webhook deliveries in (the inbox) and the desk's messages out."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    DateTime,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy import text as sql
from sqlalchemy.orm import Mapped, mapped_column

from bot.db.models.base import OPEN_DELIVERIES, Base, BigId, utcnow


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


class OutboundMessage(Base):
    """A message of the desk to one chat, written before it is sent.

    `body` is the platform's own JSON (a Bot API sendMessage body, a Graph API message
    object). `status`: sending (claimed with `claim` by the instance `owner`) -> sent, or
    pending while it waits for a retry, or failed once refused or past `deadline_at`.
    A chat's messages go out in `id` order. `relay_id`: a consultant's message to the user,
    its text in `ticket_messages` (rendered when sent; `held` while the user cannot take it).
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
    owner: Mapped[str] = mapped_column(String(64), default="", server_default="")
    error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    sent_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    relay_id: Mapped[int | None] = mapped_column(BigId, nullable=True)  # migration 0016
