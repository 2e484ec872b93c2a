"""The one way out to WhatsApp: a rendered Graph API message sent, the answer read into an Outcome.

The composition root builds this send side first and gives it to the outbound scheduler (the
desk's replies, rendered by `processor.py`) and to the relays' deliverer (`relay.py`).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from bot.channels.whatsapp.client import TRANSIENT_CODES, GraphClient, SendResult, reason
from bot.channels.whatsapp.store import WhatsAppStore
from bot.ops.metrics import Metrics
from bot.pipeline.outcome import Outcome

CHANNEL = "whatsapp"


def transient(result: SendResult) -> bool:
    """A failure worth another try later: no answer, a rate limit, a server error."""
    return result.http_status in (0, 429) or result.http_status >= 500 or result.error_code in TRANSIENT_CODES


def outcome_of(result: SendResult) -> Outcome:
    """The Graph API's answer as the scheduler reads it: sent, worth another try, or refused."""
    if result.ok:
        return Outcome.sent(result.wamid)
    error = f"Graph API {result.http_status}/{result.error_code}: {result.error}"
    return Outcome.retry(error) if transient(result) else Outcome.failed(error)


async def send_one(client: GraphClient, store: WhatsAppStore, wa_id: str, message: dict[str, Any],
                   at: dt.datetime | None = None) -> SendResult:
    """One message object to a user (one try), recorded in the send log whatever came of it."""
    result = await client.send(wa_id, message)
    await store.record_outbound(wa_id, message, "sent" if result.ok else "failed", result, at=at)
    return result


class WhatsAppSender:
    """The WhatsApp send side of the desk's rendered messages."""

    def __init__(self, client: GraphClient, store: WhatsAppStore, metrics: Metrics | None = None) -> None:
        self.client = client
        self.store = store
        self.metrics = metrics or Metrics()

    async def send_body(self, wa_id: str, message: dict[str, Any]) -> Outcome:
        """One message object, one try (the scheduler retries), recorded in the send log."""
        result = await send_one(self.client, self.store, wa_id, message)
        outcome = outcome_of(result)
        if outcome.status == "retry":
            self.metrics.outbound_retries.labels(CHANNEL, reason(result)).inc()
        return outcome
