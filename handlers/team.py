"""The civic centre's consultants as the desk sees them: tickets, a relay outbox, working hours.

Escalation, the relay and the consultants' commands are plain functions over a
`Team`, so each feature stays a small module and the desk only routes to them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field

from handlers.centres import CentreDirectory
from handlers.curation import Curation
from handlers.i18n import Gettext, Translator
from handlers.ports import (
    Clock,
    DeskStore,
    Direction,
    InboundLimiter,
    PresenceStore,
    Relay,
    RelayKind,
    RelayOutbox,
    TicketStore,
    Workspace,
)
from handlers.types import Button, Channel, Person
from handlers.working_hours import WorkingHours


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass
class Team:
    tickets: TicketStore
    outbox: RelayOutbox
    questions: DeskStore
    translator: Translator
    hours: WorkingHours
    clock: Clock = utcnow
    consultant_lang: str = "ru"
    history_size: int = 10
    remind_after: dt.timedelta = dt.timedelta(minutes=30)
    # Channels that allow free replies only for a while after the user's last message (WhatsApp).
    reply_windows: Mapping[Channel, dt.timedelta] = field(default_factory=dict)
    workspace: Workspace | None = None  # None: the workspace is taken to be always reachable
    contacts: str = ""  # the national centre's phone, address or site, for when consultants cannot be reached
    centres: CentreDirectory | None = None  # None: one group and `hours` for every ticket

    curation: Curation | None = None  # /faq drafts and /kb canned answers, when the shell offers them
    pace: InboundLimiter | None = None  # a ticket's user writing faster than this is told once
    presence: PresenceStore | None = None  # None: new tickets wait for whoever takes them
    max_open: int = 5  # open tickets offered to one present consultant (a centre's `max_open` wins)
    sla_minutes: int = 120  # working minutes to the first reply (a centre's `reply_within` wins)
    sla_head: int | None = None  # who hears of late tickets (a centre's `head` wins); None: the general topic

    def answering(self, centre_id: str) -> str:
        """The centre whose consultants' group takes a ticket of `centre_id` (their presence, their rules)."""
        return centre_id if self.centres is None else self.centres.answering(centre_id).id

    def limit_of(self, centre_id: str) -> int:
        own = self.centres.answering(centre_id).max_open if self.centres is not None else None
        return own or self.max_open

    def target_of(self, centre_id: str) -> int:
        """Working minutes a ticket of `centre_id` may wait for its first reply."""
        own = self.centres.answering(centre_id).reply_within if self.centres is not None else None
        return own or self.sla_minutes

    def head_of(self, centre_id: str) -> Person | None:
        own = self.centres.answering(centre_id).head if self.centres is not None else None
        head = own or self.sla_head
        return Person(str(head), "") if head else None

    async def workspace_problem(self, centre: str) -> str | None:
        """Why the consultants of a ticket of `centre` cannot be reached now; None when they can."""
        return None if self.workspace is None else await self.workspace.problem(centre)

    def now(self) -> dt.datetime:
        return self.clock()

    def hours_of(self, centre_id: str) -> WorkingHours:
        """The hours of the centre whose consultants answer a ticket of `centre_id`."""
        return self.hours if self.centres is None else self.centres.hours(centre_id)

    def staff(self) -> Gettext:
        """The language of the consultants' workspace."""
        return self.translator(self.consultant_lang)

    async def notice(self, ticket_id: int, text: str) -> None:
        """Tell the consultants something in the ticket's topic."""
        await self.outbox.put(Relay(ticket_id, Direction.TO_CONSULTANTS, RelayKind.NOTICE, text))

    async def to_user(self, ticket_id: int, text: str, buttons: tuple[tuple[Button, ...], ...] = (),
                      author: str = "") -> None:
        await self.outbox.put(Relay(ticket_id, Direction.TO_USER, RelayKind.TEXT, text, buttons, author))

    async def refresh_card(self, ticket_id: int) -> None:
        await self.outbox.put(Relay(ticket_id, Direction.TO_CONSULTANTS, RelayKind.CARD_EDIT))
