"""What may enter the tables: text PostgreSQL can store, ids that fit their columns.

PostgreSQL refuses U+0000 in text, and Python's surrogates cannot be encoded at all;
one such character in one user's message would fail every row written in the same
statement. So every payload is cleaned once, where it enters the inbox, before any
name or text is read from it: NUL removed, lone surrogates replaced by U+FFFD.
A platform id longer than its column is refused there too (acknowledged and logged:
the platform would otherwise deliver it again for days).
"""

from __future__ import annotations

import re
from typing import Any

from bot.pipeline import jsonio

NUL_ESCAPED = "\\u0000"  # how JSON writes U+0000: a cheap test before walking the payload
MAX_EVENT_KEY = 128  # inbound_events.event_key
MAX_CHAT_KEY = 32  # the narrowest column a chat id lands in (whatsapp_contacts.wa_id)
SURROGATE = re.compile("[\ud800-\udfff]")  # in a str, only a lone one can be there


def clean_text(text: str) -> str:
    """`text` without U+0000, lone surrogates replaced by U+FFFD."""
    return SURROGATE.sub("\ufffd", text.replace("\x00", ""))


def clean(value: Any) -> Any:
    """Every string in a JSON value (keys too) cleaned; other values as they are."""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, dict):
        return {clean_text(k) if isinstance(k, str) else k: clean(v) for k, v in value.items()}
    if isinstance(value, list):
        return [clean(item) for item in value]
    return value


def storable(payload: dict[str, Any]) -> tuple[dict[str, Any], str]:
    """The payload and its JSON, cleaned when needed (the usual payload is only encoded once)."""
    try:
        encoded = jsonio.dumps(payload)
    except TypeError:  # a lone surrogate (orjson refuses to encode it)
        payload = clean(payload)
        return payload, jsonio.dumps(payload)
    if NUL_ESCAPED in encoded:
        payload = clean(payload)
        encoded = jsonio.dumps(payload)
    return payload, encoded


def oversize(event_key: str, order_key: str) -> str:
    """Why these ids cannot be stored ("" when they can)."""
    if len(event_key) > MAX_EVENT_KEY:
        return f"an event id of {len(event_key)} characters (at most {MAX_EVENT_KEY})"
    if len(order_key) > MAX_CHAT_KEY:
        return f"a chat id of {len(order_key)} characters (at most {MAX_CHAT_KEY})"
    return ""
