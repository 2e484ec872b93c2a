"""A relayed message of a ticket as a row of `ticket_messages`, and as the claimed delivery handed to
a channel's deliverer."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from bot.db.models import TicketMessage
from handlers.ports import Relay, RelayKind, Ticket
from handlers.types import Button, Person, Reply


@dataclass(frozen=True)
class Delivery:
    """One claimed message, with its ticket, handed to a channel's deliverer."""

    id: int
    ticket: Ticket
    kind: RelayKind
    text: str
    buttons: tuple[tuple[Button, ...], ...]
    author: str
    media_type: str
    source_id: str
    attempt: int
    person: Person | None = None  # whom an offer mentions, or the head told of a late ticket
    parts_sent: int = 0  # of a message sent in parts, those that went out on earlier tries

    @property
    def reply(self) -> Reply:
        return Reply(self.text, self.buttons)


def payload_of(relay: Relay) -> str:
    buttons = [[{"data": b.data, "label": b.label} for b in row] for row in relay.buttons]
    payload: dict[str, Any] = {"buttons": buttons, "media_type": relay.media_type, "source_id": relay.source_id}
    if relay.person is not None:
        payload["person"] = {"id": relay.person.id, "name": relay.person.name, "handle": relay.person.handle}
    return json.dumps(payload, ensure_ascii=False)


def delivery_of(row: TicketMessage, ticket: Ticket) -> Delivery:
    payload: dict[str, Any] = json.loads(row.payload or "{}")
    buttons = tuple(tuple(Button(b["data"], b["label"]) for b in r) for r in payload.get("buttons", []))
    person = payload.get("person")
    return Delivery(row.id, ticket, RelayKind(row.kind), row.text, buttons, row.author,
                    payload.get("media_type", ""), payload.get("source_id", ""), row.attempts + 1,
                    Person(person["id"], person["name"], person["handle"]) if person else None)
