"""The Cloud API webhook: subscription check, signature, durable acceptance.

Meta delivers at least once, retries for days and batches updates, so a POST
is verified on its raw bytes, every message is stored in the inbox (deduplicated
by wamid) and only then acknowledged; the answers are sent by the inbox worker.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from typing import Any

from aiohttp import web

from bot.channels.whatsapp.body import Refused, read_signed
from bot.channels.whatsapp.store import WhatsAppStore
from bot.pipeline import jsonio
from bot.pipeline.inbox import Inbox

log = logging.getLogger(__name__)
PATH = "/webhook/whatsapp"
CHANNEL = "whatsapp"
SIGNATURE_HEADER = "X-Hub-Signature-256"


def signature(secret: bytes, body: bytes) -> str:
    """The X-Hub-Signature-256 value Meta sends for `body`."""
    return "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()


def _dicts(value: object) -> list[dict[str, Any]]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def extract(payload: dict[str, Any], phone_number_id: str) -> tuple[list[dict[str, Any]],
                                                                   list[dict[str, Any]]]:
    """Inbox items for every message to our number, and the `failed` statuses.

    Each item is small and self-contained: the message, the sender's profile
    name and the business number it was sent to.
    """
    items: list[dict[str, Any]] = []
    failed: list[dict[str, Any]] = []
    for entry in _dicts(payload.get("entry")):
        for change in _dicts(entry.get("changes")):
            value = change.get("value")
            if change.get("field") != "messages" or not isinstance(value, dict):
                continue
            number = str((value.get("metadata") or {}).get("phone_number_id", ""))
            if number != phone_number_id:
                log.warning("ignoring a WhatsApp change for another number: %s", number)
                continue
            names = {str(c.get("wa_id")): str((c.get("profile") or {}).get("name", ""))
                     for c in _dicts(value.get("contacts"))}
            for message in _dicts(value.get("messages")):
                if message.get("id") and message.get("from"):
                    items.append({"message": message, "name": names.get(str(message["from"]), ""),
                                  "phone_number_id": number})
            failed += [s for s in _dicts(value.get("statuses")) if s.get("status") == "failed"]
            for error in _dicts(value.get("errors")):
                log.error("WhatsApp reported an error: %s", error)
    return items, failed


class Webhook:
    """GET answers Meta's subscription check; POST accepts signed deliveries."""

    def __init__(self, app_secret: str, verify_token: str, phone_number_id: str,
                 inbox: Inbox, store: WhatsAppStore) -> None:
        self.app_secret = app_secret.encode()
        self.verify_token = verify_token.encode()
        self.phone_number_id = phone_number_id
        self.inbox = inbox
        self.store = store

    async def verify(self, request: web.Request) -> web.Response:
        query = request.query
        token = query.get("hub.verify_token", "").encode()
        if (query.get("hub.mode") == "subscribe" and self.verify_token
                and hmac.compare_digest(token, self.verify_token)):
            return web.Response(text=query.get("hub.challenge", ""), content_type="text/plain")
        return web.Response(status=403, text="forbidden")

    async def receive(self, request: web.Request) -> web.Response:
        sent = request.headers.get(SIGNATURE_HEADER)
        if not sent:
            return web.Response(status=401, text="signature required")
        try:
            raw = await read_signed(request, self.app_secret, sent)
        except Refused as refused:
            log.warning("rejected a WhatsApp delivery: %s", refused.response.text)
            return refused.response
        try:
            payload = jsonio.loads(raw)
        except ValueError:
            return web.Response(status=400, text="malformed JSON")
        if not isinstance(payload, dict):
            return web.Response(status=400, text="expected a JSON object")
        items, failed = extract(payload, self.phone_number_id)
        for status in failed:
            await self.store.record_failed_status(status)
        for item in items:  # an exception here answers 500 and Meta delivers again
            message = item["message"]
            await self.inbox.accept(CHANNEL, str(message["id"]), item,
                                    order_key=str(message["from"]))
        return web.Response(text="ok")
