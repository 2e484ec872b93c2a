"""Meta's side of the WhatsApp webhook: signed payloads, the test numbers, an answer of a given length."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any

from aiohttp.test_utils import TestClient

from bot.app.web import SERVICES
from bot.channels.whatsapp import signature
from handlers import Translator, render
from handlers.regional import CENTRE_TOPIC
from knowledge import Action, Entry, Matcher
from tests.channels.whatsapp.fake_graph import FakeGraph

APP_SECRET = "test-app-secret"
VERIFY_TOKEN = "test-verify-token"
ACCESS_TOKEN = "test-access-token"
PHONE_NUMBER_ID = "106540352242922"
API_VERSION = "v21.0"
USER = "77011234567"  # a Kazakh mobile number as Meta's wa_id
TIMESTAMP = 1767225600  # 2026-01-01 00:00 UTC


def answer_by_length(matcher: Matcher, translator: Translator, *, over_body_limit: bool) -> Entry:
    """A Russian answer whose reply is over (or within) WhatsApp's 1,024-character interactive body
    (not `civic-centre.find`: the desk answers it with the user's own centre)."""
    amounts = render.amounts_at(dt.datetime.now(dt.UTC), matcher.base.mci)
    for entry in matcher.base.entries:
        if entry.id == CENTRE_TOPIC:
            continue
        if entry.action is Action.ANSWER and matcher.decide(entry.questions["ru"][0]).entry is entry:
            size = len(render.answer(entry, "ru", 1, translator("ru"), amounts).text)
            if (size > 1024) is over_body_limit:
                return entry
    raise AssertionError("the base has no such answer")


class WhatsApp:
    """Meta's side of the webhook: signs and posts payloads, then waits for the desk."""

    def __init__(self, client: TestClient, graph: FakeGraph) -> None:
        self.client, self.graph = client, graph
        self.services = client.server.app[SERVICES]
        self.wamids = iter(range(1, 10_000))
        self.last_wamid = ""
        self.now: Callable[[], int] = lambda: TIMESTAMP  # when the user writes; a test with a clock moves it

    def wamid(self) -> str:
        """A fresh inbound message id, shaped like Meta's."""
        self.last_wamid = f"wamid.HBgLNzcwMTEyMzQ1NjcVAgASGBQz{next(self.wamids):06d}AA=="
        return self.last_wamid

    async def post(self, payload: dict[str, Any] | bytes, *, secret: str = APP_SECRET,
                   signed: bool = True) -> int:
        raw = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        headers = {"Content-Type": "application/json"}
        if signed:
            headers["X-Hub-Signature-256"] = signature(secret.encode(), raw)
        response = await self.client.post("/webhook/whatsapp", data=raw, headers=headers)
        await response.read()
        await self.services.inbox.drain()
        if self.services.outbox is not None:  # and what the messages relayed
            await self.services.outbox.drain()
        return response.status

    async def say(self, text: str, user: str = USER) -> list[dict[str, Any]]:
        """The user types `text`; returns the message sends it caused."""
        return await self.deliver(message(user, self.wamid(), "text", {"body": text}, self.now()))

    async def press(self, kind: str, data: str, title: str = "", user: str = USER) -> list[dict[str, Any]]:
        """The user picks a reply button ("button_reply") or a list row ("list_reply")."""
        picked = {"type": kind, kind: {"id": data, "title": title or data}}
        return await self.deliver(message(user, self.wamid(), "interactive", picked, self.now()))

    async def deliver(self, *messages: dict[str, Any]) -> list[dict[str, Any]]:
        before = len(self.graph.sends())
        assert await self.post(payload(*messages)) == 200
        return self.graph.sends()[before:]


def message(user: str, wamid: str, kind: str, content: dict[str, Any],
            timestamp: int = TIMESTAMP) -> dict[str, Any]:
    """One `messages[]` item as the Cloud API webhook sends it."""
    return {"from": user, "id": wamid, "timestamp": str(timestamp), "type": kind, kind: content}


def payload(*messages: dict[str, Any], statuses: tuple[dict[str, Any], ...] = ()) -> dict[str, Any]:
    """A whole webhook delivery: one entry, one `messages` change for our number."""
    value: dict[str, Any] = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "77172000000", "phone_number_id": PHONE_NUMBER_ID},
    }
    if messages:
        users = dict.fromkeys(m["from"] for m in messages)
        value["contacts"] = [{"profile": {"name": "Айгерім"}, "wa_id": u} for u in users]
        value["messages"] = list(messages)
    if statuses:
        value["statuses"] = list(statuses)
    return {"object": "whatsapp_business_account",
            "entry": [{"id": "102290129340398", "changes": [{"value": value, "field": "messages"}]}]}


def status(wamid: str, state: str, *, code: int = 0, title: str = "") -> dict[str, Any]:
    """A `statuses[]` item; `failed` ones carry Meta's error."""
    item: dict[str, Any] = {"id": wamid, "status": state, "timestamp": str(TIMESTAMP + 5),
                            "recipient_id": USER}
    if state == "failed":
        item["errors"] = [{"code": code, "title": title, "message": title,
                           "error_data": {"details": f"{title} (details)"}}]
    else:
        item["pricing"] = {"billable": False, "pricing_model": "PMP", "category": "service",
                           "type": "free_customer_service"}
    return item
