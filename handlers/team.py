"""The civic centre's consultants as the desk sees them: tickets, a relay outbox, working hours.

Escalation, the relay and the consultants' commands are plain functions over a
`Team`, so each feature stays a small module and the desk only routes to them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field

from handlers.curation import Curation
from handlers.i18n import Gettext, Translator
from handlers.ports import Clock, DeskStore, Direction, Relay, RelayKind, RelayOutbox, TicketStore, Workspace
from handlers.types import Button, Channel
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
    contacts: str = ""  # the civic centre's phone, address or site, for when consultants cannot be reached

    curation: Curation | None = None  # /faq drafts and /kb canned answers, when the shell offers them

    async def workspace_problem(self) -> str | None:
        return None if self.workspace is None else await self.workspace.problem()

    def now(self) -> dt.datetime:
        return self.clock()

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
