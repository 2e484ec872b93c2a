"""What the WhatsApp adapter keeps: the service window, numbered menus, sends and failures."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from bot.channels.whatsapp.client import SendResult
from bot.db.models import User, WhatsAppContact, WhatsAppDeliveryFailure, WhatsAppOutbound, aware
from handlers import Channel

# Free-form messages are allowed for 24 hours after the user's last message; then only templates.
SERVICE_WINDOW = dt.timedelta(hours=24)


def from_timestamp(value: object) -> dt.datetime | None:
    """A webhook's Unix-seconds string as an aware datetime; None when absent or garbled."""
    try:
        return dt.datetime.fromtimestamp(int(str(value)), dt.UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        return None


class WhatsAppStore:
    """One short transaction per call, like the desk's own store."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.sessions = async_sessionmaker(engine, expire_on_commit=False)

    async def touch_contact(self, wa_id: str, name: str, at: dt.datetime) -> None:
        """Record an inbound message: it (re)opens the 24-hour customer service window."""
        async with self.sessions.begin() as session:
            contact = await session.get(WhatsAppContact, wa_id)
            if contact is None:
                session.add(WhatsAppContact(wa_id=wa_id, name=name[:256], last_inbound_at=at,
                                            choices="[]"))
                return
            if name:
                contact.name = name[:256]
            if aware(contact.last_inbound_at) < at:  # out-of-order delivery never moves it back
                contact.last_inbound_at = at

    async def last_inbound(self, wa_id: str) -> dt.datetime | None:
        """When the user last wrote: replies other than templates need it within 24 hours."""
        async with self.sessions() as session:
            contact = await session.get(WhatsAppContact, wa_id)
            return aware(contact.last_inbound_at) if contact else None

    async def choices(self, wa_id: str) -> list[str]:
        async with self.sessions() as session:
            contact = await session.get(WhatsAppContact, wa_id)
            return list(json.loads(contact.choices)) if contact else []

    async def set_choices(self, wa_id: str, choices: Sequence[str]) -> None:
        async with self.sessions.begin() as session:
            contact = await session.get(WhatsAppContact, wa_id)
            if contact is not None:
                contact.choices = json.dumps(list(choices), ensure_ascii=False)

    async def language(self, wa_id: str) -> str | None:
        """The language the user chose in the desk, if any."""
        async with self.sessions() as session:
            return await session.scalar(select(User.lang).where(
                User.channel == Channel.WHATSAPP.value, User.external_id == wa_id))

    async def record_outbound(self, wa_id: str, message: dict[str, Any], status: str,
                              result: SendResult | None = None, at: dt.datetime | None = None) -> None:
        result = result or SendResult(ok=False)
        async with self.sessions.begin() as session:
            session.add(WhatsAppOutbound(
                wa_id=wa_id, kind=str(message.get("type", "")), status=status,
                payload=json.dumps(message, ensure_ascii=False), wamid=result.wamid or None,
                http_status=result.http_status, error_code=result.error_code,
                error=result.error, attempts=result.attempts, **({"created_at": at} if at else {})))

    async def template_sent_since(self, wa_id: str, since: dt.datetime) -> bool:
        """Was the user already invited (a template sent) since their last message?"""
        async with self.sessions() as session:
            return await session.scalar(select(WhatsAppOutbound.id).where(
                WhatsAppOutbound.wa_id == wa_id, WhatsAppOutbound.kind == "template",
                WhatsAppOutbound.status == "sent", WhatsAppOutbound.created_at >= since).limit(1)) is not None

    async def record_failed_status(self, status: dict[str, Any]) -> None:
        """Store a `failed` status callback once, however often Meta repeats it."""
        error = (status.get("errors") or [{}])[0]
        details = (error.get("error_data") or {}).get("details") or error.get("message") or ""
        code = error.get("code")
        try:
            async with self.sessions.begin() as session:
                session.add(WhatsAppDeliveryFailure(
                    wamid=str(status.get("id", ""))[:128],
                    recipient_id=str(status.get("recipient_id", ""))[:32],
                    error_code=code if isinstance(code, int) else None,
                    error_title=str(error.get("title", ""))[:256], error_details=str(details),
                    failed_at=from_timestamp(status.get("timestamp"))))
        except IntegrityError:
            pass  # a repeated callback

