"""A fake Graph API on 127.0.0.1: records every request and answers like the Cloud API.

The desk is pointed at it through DESK_WHATSAPP_API_URL, so tests see the exact
requests a real deployment would make. Sends can be scripted to fail
(429 then success, 500 forever, a permanent error code).
"""

from __future__ import annotations

import asyncio
import itertools
from typing import Any

from aiohttp import web


class FakeGraph:
    """POST /{version}/{phone_number_id}/messages; read receipts always succeed."""

    def __init__(self) -> None:
        self.url = ""  # set once the test server runs
        self.requests: list[dict[str, Any]] = []
        self.failures: list[tuple[int, dict[str, Any]]] = []  # for the next sends, in order
        self.failing_forever: tuple[int, dict[str, Any]] | None = None
        self.ids = itertools.count(1)
        self.received = asyncio.Event()
        self.app = web.Application()
        self.app.router.add_post("/{version}/{number}/messages", self.handle)

    def fail(self, status: int, code: int, message: str = "error", times: int = 1) -> None:
        """Answer the next `times` sends with this Graph API error."""
        self.failures += [(status, error_body(code, message))] * times

    def fail_forever(self, status: int, code: int, message: str = "error") -> None:
        self.failing_forever = (status, error_body(code, message))

    def sends(self) -> list[dict[str, Any]]:
        """JSON of every message send (read receipts left out), failed attempts included."""
        return [r["json"] for r in self.requests if "status" not in r["json"]]

    async def wait_for_sends(self, count: int, timeout: float = 5.0) -> None:
        """Until `count` message sends arrived (a background worker's, say); no fixed sleep."""
        async with asyncio.timeout(timeout):
            while len(self.sends()) < count:
                self.received.clear()
                await self.received.wait()

    def reads(self) -> list[str]:
        return [r["json"]["message_id"] for r in self.requests if r["json"].get("status") == "read"]

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.requests.append({"path": request.path, "headers": dict(request.headers), "json": body})
        self.received.set()
        if body.get("status") == "read":
            return web.json_response({"success": True})
        if self.failures:
            status, error = self.failures.pop(0)
            return web.json_response(error, status=status)
        if self.failing_forever:
            status, error = self.failing_forever
            return web.json_response(error, status=status)
        return web.json_response({"messaging_product": "whatsapp",
                                  "contacts": [{"input": body["to"], "wa_id": body["to"].lstrip("+")}],
                                  "messages": [{"id": f"wamid.out.{next(self.ids)}"}]})


def error_body(code: int, message: str) -> dict[str, Any]:
    return {"error": {"message": message, "type": "OAuthException", "code": code,
                      "error_data": {"messaging_product": "whatsapp", "details": message},
                      "fbtrace_id": "Atrace"}}
