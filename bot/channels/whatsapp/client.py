"""The Graph API `messages` edge on one shared aiohttp session.

Rate limits (429, codes 130429/131056) and server errors are retried with a
bounded exponential backoff; everything else is final. Nothing here raises on
an API or network error: the caller gets a SendResult to record.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Any

import aiohttp

from bot.ops.metrics import Metrics
from bot.pipeline import jsonio
from bot.pipeline.pacing import UNLIMITED, Pacer, Rate

log = logging.getLogger(__name__)

# Graph/Cloud API codes that mean "try again later": temporary errors, throughput and pair limits.
TRANSIENT_CODES = frozenset({1, 2, 4, 80007, 130429, 131000, 131056})
MAX_DELAY = 30.0


@dataclass(frozen=True)
class SendResult:
    ok: bool
    wamid: str = ""
    http_status: int = 0  # 0: no HTTP answer (network error, timeout)
    error_code: int | None = None
    error: str = ""
    attempts: int = 0


class GraphClient:
    """Posts message objects for one business phone number."""

    def __init__(self, api_url: str, api_version: str, phone_number_id: str, token: str, *,
                 attempts: int = 4, retry_delay: float = 1.0, timeout: float = 20.0,
                 pacer: Pacer | None = None, rate: Rate = UNLIMITED, metrics: Metrics | None = None) -> None:
        self.url = f"{api_url.rstrip('/')}/{api_version}/{phone_number_id}/messages"
        self.token = token
        self.attempts = max(1, attempts)
        self.retry_delay = retry_delay
        self.timeout = timeout
        self.pacer = pacer or Pacer()
        self.slot = (f"whatsapp:{phone_number_id}", rate)  # throughput is per business number
        self.metrics = metrics or Metrics()
        self._session: aiohttp.ClientSession | None = None

    async def start(self) -> None:
        self._session = aiohttp.ClientSession(
            timeout=aiohttp.ClientTimeout(total=self.timeout),
            headers={"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"})

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def send(self, to: str, message: dict[str, Any]) -> SendResult:
        """Send one message object (text, interactive...) to a WhatsApp user, within the number's rate."""
        await self.pacer.wait(self.slot)
        return await self.post({"messaging_product": "whatsapp", "recipient_type": "individual",
                                "to": f"+{to.lstrip('+')}", **message})

    async def mark_read(self, wamid: str) -> SendResult:
        """Blue ticks for the user: also marks every earlier message in the chat as read.

        One attempt, never retried: a courtesy must not spend the time or the tries of the answer."""
        return await self.post({"messaging_product": "whatsapp", "status": "read",
                                "message_id": wamid}, attempts=1)

    async def post(self, payload: dict[str, Any], attempts: int | None = None) -> SendResult:
        result = SendResult(ok=False)
        tries = self.attempts if attempts is None else attempts
        for attempt in range(1, tries + 1):
            result, transient = await self._once(payload, attempt)
            if result.ok:
                break
            if not transient or attempt == tries:
                self.metrics.outbound_errors.labels("whatsapp", _reason(result)).inc()
                break
            self.metrics.outbound_retries.labels("whatsapp", _reason(result)).inc()
            await asyncio.sleep(min(self.retry_delay * 2 ** (attempt - 1), MAX_DELAY))
        return result

    async def _once(self, payload: dict[str, Any], attempt: int) -> tuple[SendResult, bool]:
        if self._session is None:
            raise RuntimeError("GraphClient.start() was not called")
        try:
            # Encoded straight to bytes: aiohttp's json= would encode to a str, then to bytes again.
            async with self._session.post(self.url, data=jsonio.dumps_bytes(payload)) as response:
                status, raw = response.status, await response.read()
        except (aiohttp.ClientError, TimeoutError) as exc:
            log.warning("Graph API unreachable (attempt %s): %r", attempt, exc)
            return SendResult(False, error=f"{exc.__class__.__name__}: {exc}"[:2000],
                              attempts=attempt), True
        try:
            body = jsonio.loads(raw)
        except ValueError:
            body = {}
        body = body if isinstance(body, dict) else {}
        if 200 <= status < 300:
            messages = body.get("messages") or [{}]
            return SendResult(True, str(messages[0].get("id", "")), status, attempts=attempt), False
        error = body.get("error") if isinstance(body.get("error"), dict) else {}
        code = error.get("code") if isinstance(error.get("code"), int) else None
        details = (error.get("error_data") or {}).get("details", "")
        message = " / ".join(str(p) for p in (error.get("message"), details) if p) or raw[:500].decode(errors="replace")
        transient = status == 429 or status >= 500 or code in TRANSIENT_CODES
        log.warning("Graph API answered %s (code %s, attempt %s): %s",
                    status, code, attempt, message)
        return SendResult(False, "", status, code, message[:2000], attempt), transient


def _reason(result: SendResult) -> str:
    """A short metrics label for a failed call."""
    if result.http_status == 0:
        return "network"
    if result.http_status == 429 or result.error_code in (130429, 131056, 80007):
        return "rate"
    return "server" if result.http_status >= 500 else "rejected"
