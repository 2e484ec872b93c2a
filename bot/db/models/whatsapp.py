"""The WhatsApp channel's tables: contacts (the 24-hour window, the numbered menu), the send log, failures."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    DateTime,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from bot.db.models.base import Base, BigId, utcnow


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
