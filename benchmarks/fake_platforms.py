"""The webhook benchmark's fake platforms and its load: Telegram's Bot API and the Graph API
on one loopback port, and real-shaped signed updates carrying the knowledge base's phrasings."""

from __future__ import annotations

import hashlib
import hmac
import json
import random
import time
from dataclasses import dataclass
from typing import Any

from aiohttp import web

TOKEN = "123456789:AAHbenchmark-token_for-loopback"
SECRET = "bench-secret_1"
APP_SECRET, VERIFY_TOKEN, NUMBER = "bench-app-secret", "bench-verify", "106540352242922"


class FakePlatforms:
    """Telegram's Bot API and the Graph API on one port; notes when each user gets a first message."""

    def __init__(self) -> None:
        self.first_reply: dict[str, float] = {}  # "tg:<chat>" / "wa:<wa_id>" -> perf_counter()
        self.calls = 0
        self.ids = 0
        self.app = web.Application()
        self.app.router.add_post("/bot{token}/{method}", self.telegram)
        self.app.router.add_post("/{version}/{number}/messages", self.graph)

    def _seen(self, user: str) -> None:
        self.first_reply.setdefault(user, time.perf_counter())

    async def telegram(self, request: web.Request) -> web.Response:
        self.calls += 1
        self.ids += 1
        method = request.match_info["method"]
        # Like the real Bot API: a JSON body (the desk's session) or a form (aiogram's default, the echo bot).
        params: Any = await request.json() if request.content_type == "application/json" else await request.post()
        if method == "sendMessage":
            chat = str(params["chat_id"])
            self._seen(f"tg:{chat}")
            result: Any = {"message_id": self.ids, "date": 1767225600, "text": str(params.get("text", "")),
                           "chat": {"id": int(chat), "type": "private"}}
        elif method == "getMe":
            result = {"id": 123456789, "is_bot": True, "first_name": "Desk", "username": "desk_bot"}
        else:
            result = True
        return web.json_response({"ok": True, "result": result})

    async def graph(self, request: web.Request) -> web.Response:
        self.calls += 1
        body = await request.json()
        if body.get("status") == "read":
            return web.json_response({"success": True})
        self.ids += 1
        to = str(body["to"]).lstrip("+")
        self._seen(f"wa:{to}")
        return web.json_response({"messaging_product": "whatsapp", "contacts": [{"input": to, "wa_id": to}],
                                  "messages": [{"id": f"wamid.out.{self.ids}"}]})


@dataclass(frozen=True)
class Delivery:
    user: str  # the key the fake platforms note the reply under
    path: str
    body: bytes
    headers: dict[str, str]


def questions() -> list[str]:
    """Real phrasings from the knowledge base, both languages."""
    from knowledge import load_base

    base = load_base()
    return [q for entry in base.entries for lang in ("kk", "ru") for q in entry.questions[lang]]


def deliveries(count: int, seed: int = 7) -> list[Delivery]:
    rng = random.Random(seed)
    phrasings = questions()
    made = []
    for n in range(count):
        text = rng.choice(phrasings)
        if n % 2 == 0:
            chat = 10_000_000 + n
            update = {"update_id": 100_000 + n, "message": {
                "message_id": 1, "date": 1767225600, "text": text,
                "chat": {"id": chat, "type": "private", "first_name": "Айгүл"},
                "from": {"id": chat, "is_bot": False, "first_name": "Айгүл", "language_code": "kk"}}}
            made.append(Delivery(f"tg:{chat}", "/webhook/telegram", json.dumps(update).encode(),
                                 {"X-Telegram-Bot-Api-Secret-Token": SECRET, "Content-Type": "application/json"}))
        else:
            wa_id = f"7701{n:07d}"
            value = {"messaging_product": "whatsapp",
                     "metadata": {"display_phone_number": "77172000000", "phone_number_id": NUMBER},
                     "contacts": [{"profile": {"name": "Айгерім"}, "wa_id": wa_id}],
                     "messages": [{"from": wa_id, "id": f"wamid.bench.{n}", "timestamp": "1767225600",
                                   "type": "text", "text": {"body": text}}]}
            raw = json.dumps({"object": "whatsapp_business_account",
                              "entry": [{"id": "1", "changes": [{"value": value, "field": "messages"}]}]}).encode()
            sign = "sha256=" + hmac.new(APP_SECRET.encode(), raw, hashlib.sha256).hexdigest()
            made.append(Delivery(f"wa:{wa_id}", "/webhook/whatsapp", raw,
                                 {"X-Hub-Signature-256": sign, "Content-Type": "application/json"}))
    return made
