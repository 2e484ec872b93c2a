"""A reminder as each messenger takes it: a Bot API body, or Graph API message objects.

WhatsApp allows free-form messages only within 24 hours of the user's last
message; later a reminder goes as the approved template
(DESK_WHATSAPP_REMINDER_TEMPLATE, in the user's language) with the event on one
line as its body parameter, Meta's template format:
`{"type": "template", "template": {"name", "language": {"code"}, "components":
[{"type": "body", "parameters": [{"type": "text", "text": ...}]}]}}`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from bot.channels.telegram.sender import message_bodies
from bot.channels.whatsapp.processor import labels
from bot.channels.whatsapp.render import render_reply
from bot.channels.whatsapp.store import SERVICE_WINDOW
from handlers import Reply, Translator

TEMPLATE_PARAMETER = 1024  # characters Meta takes in one body parameter


def telegram(chat_id: str, reply: Reply) -> list[dict[str, Any]]:
    return message_bodies(int(chat_id), [reply])


def whatsapp_text(reply: Reply, translator: Translator, lang: str) -> list[dict[str, Any]]:
    return render_reply(reply, labels(translator, lang)).messages


def whatsapp_template(name: str, lang: str, event_line: str) -> dict[str, Any]:
    parameter = {"type": "text", "text": event_line[:TEMPLATE_PARAMETER]}
    return {"type": "template", "template": {"name": name, "language": {"code": lang},
                                             "components": [{"type": "body", "parameters": [parameter]}]}}


def window_open(last_inbound: dt.datetime | None, now: dt.datetime) -> bool:
    return last_inbound is not None and now - last_inbound < SERVICE_WINDOW
