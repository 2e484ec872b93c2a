"""Cloud API webhook messages as the desk's plain `Inbound` messages: no Graph API shape goes further."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from handlers import Channel, Inbound, InboundKind

CHOICE_TYPES = ("button_reply", "list_reply")


def to_inbound(message: dict[str, Any], name: str, choices: Sequence[str]) -> Inbound:
    """The desk's view of one webhook message; a bare digit picks from a numbered menu."""
    wa_id, wamid = str(message.get("from", "")), str(message.get("id", ""))
    kind = message.get("type")

    def inbound(inbound_kind: InboundKind, text: str, media_type: str = "") -> Inbound:
        return Inbound(Channel.WHATSAPP, wa_id, inbound_kind, text, message_id=wamid, name=name,
                       media_type=media_type)

    if kind == "text":
        body = str((message.get("text") or {}).get("body", ""))
        digits = body.strip()
        if digits.isdecimal() and len(digits) <= 3 and 1 <= int(digits) <= len(choices):
            return inbound(InboundKind.CHOICE, choices[int(digits) - 1])
        return inbound(InboundKind.TEXT, body)
    if kind == "interactive":
        interactive = message.get("interactive") or {}
        reply_kind = interactive.get("type")
        picked = interactive.get(reply_kind) if reply_kind in CHOICE_TYPES else None
        if isinstance(picked, dict) and picked.get("id"):
            return inbound(InboundKind.CHOICE, str(picked["id"]))
    media = message.get(str(kind))  # image, sticker, reaction... (a caption, if any, kept as text)
    caption = str(media.get("caption") or "") if isinstance(media, dict) else ""
    return inbound(InboundKind.MEDIA, caption, str(kind or "unknown"))
