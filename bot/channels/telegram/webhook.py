"""POST /webhook/telegram: check the secret, store the update durably, then acknowledge.

aiogram's SimpleRequestHandler answers before the update is stored; ours answers
200 only after the inbox holds it, so a crash right after the 200 loses nothing.
"""

from __future__ import annotations

import hmac
from typing import Any

from aiohttp import web
from aiohttp.typedefs import Handler

from bot.pipeline import jsonio
from bot.pipeline.inbox import Inbox

CHANNEL = "telegram"
PATH = "/webhook/telegram"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
ACKNOWLEDGED = b"{}"  # the body of every 200, encoded once


def chat_key(update: dict[str, Any]) -> str:
    """The chat an update is about, so one chat's updates are processed in order ("" if none)."""
    for value in update.values():
        if not isinstance(value, dict):
            continue
        message = value.get("message")
        for holder, key in ((value, "chat"), (message, "chat"), (value, "from")):
            chat = holder.get(key) if isinstance(holder, dict) else None
            if isinstance(chat, dict) and isinstance(chat.get("id"), int):
                return str(chat["id"])
    return ""


def update_id(payload: object) -> int | None:
    value = payload.get("update_id") if isinstance(payload, dict) else None
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def webhook_handler(inbox: Inbox, secret: str) -> Handler:
    """The view: 401 before anything else on a wrong secret, 400 on what is not an update."""
    expected = secret.encode()

    async def webhook(request: web.Request) -> web.StreamResponse:
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(given, expected):
            return web.json_response({"error": "wrong secret token"}, status=401)
        try:
            payload = jsonio.loads(await request.read())
        except ValueError:
            return web.json_response({"error": "malformed JSON"}, status=400)
        key = update_id(payload)
        if key is None:
            return web.json_response({"error": "not a Telegram update: no update_id"}, status=400)
        # A duplicate delivery is acknowledged too, so Telegram stops resending it.
        await inbox.accept(CHANNEL, str(key), payload, order_key=chat_key(payload))
        return web.Response(body=ACKNOWLEDGED, content_type="application/json")

    return webhook
