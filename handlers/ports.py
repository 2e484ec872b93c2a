"""What the desk needs from the shell, as Protocols the shell implements."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from handlers.types import Button, Channel, Person


@dataclass(frozen=True)
class UserRecord:
    id: int
    channel: Channel
    external_id: str
    lang: str | None  # None until chosen or detected
    region: str | None = None  # None until asked, or named in a message


@dataclass(frozen=True)
class LoggedQuestion:
    text: str
    lang: str
    decision: str
    topic: str | None
    score: float


class DeskStore(Protocol):
    """Durable memory of users, their questions and feedback."""

    async def touch_user(self, channel: Channel, external_id: str, name: str) -> UserRecord:
        """Get or create the user and mark them seen now."""

    async def set_language(self, user_id: int, lang: str) -> None: ...

    async def set_region(self, user_id: int, region: str) -> None: ...

    async def log_question(self, user_id: int, question: LoggedQuestion, *, language: str | None = None) -> int:
        """Store a question with the desk's decision; returns its id for feedback.

        With `language`, the user's language is set in the same unit of work.
        """

    async def add_feedback(self, user_id: int, question_id: int, helpful: bool) -> bool:
        """Store feedback on the user's own answered question; False if there is none."""

    async def recent_questions(self, user_id: int, limit: int) -> list[LoggedQuestion]: ...


class Flood(StrEnum):
    """What the desk may do with one more message from a user."""

    ALLOW = "allow"    # within the limit: answer as usual
    NOTIFY = "notify"  # the first message over the limit: say so, once
    SILENT = "silent"  # still over the limit and already told: keep it, answer nothing


class InboundLimiter(Protocol):
    """Counts each user's inbound messages (shared between instances when the shell can)."""

    async def check(self, key: str) -> Flood:
        """Count one message from `key` (channel and chat) and tell whether it may be answered."""


# -- tickets: the desk's side of the consultants' workspace ---------------------

Clock = Callable[[], dt.datetime]  # aware UTC "now"; tests pass a fixed one


class TicketStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


@dataclass(frozen=True)
class Ticket:
    """A user's request for a person, with what the bot tried before it."""

    id: int
    user_id: int
    channel: Channel
    chat_id: str
    name: str
    handle: str  # "@username" on Telegram, "" when unknown
    lang: str
    status: TicketStatus
    assignee: str  # "" while waiting in the queue
    created_at: dt.datetime
    last_user_message_at: dt.datetime
    history: tuple[LoggedQuestion, ...] = ()
    rating: int | None = None
    centre: str = "national"  # the civic centre of the user's region
    consultant_id: str = ""  # offered to in turn, or taken by; "" when nobody
    first_reply_at: dt.datetime | None = None  # the consultant's first words to the user
    sla_flagged_at: dt.datetime | None = None  # flagged late (once)

    @property
    def is_open(self) -> bool:
        return self.status is TicketStatus.OPEN


@dataclass(frozen=True)
class NewTicket:
    user_id: int
    channel: Channel
    chat_id: str
    name: str
    handle: str
    lang: str
    history: tuple[LoggedQuestion, ...]
    at: dt.datetime
    centre: str = "national"


class Direction(StrEnum):
    TO_CONSULTANTS = "to_consultants"
    TO_USER = "to_user"
    NOTE = "note"  # kept with the ticket, never sent anywhere


class RelayKind(StrEnum):
    CARD = "card"            # open the ticket's topic with its card
    CARD_EDIT = "card_edit"  # show the card's new state (assignee)
    TEXT = "text"
    MEDIA = "media"          # a user's file: copied where the channel allows, else announced
    NOTICE = "notice"        # the desk speaking to consultants
    REMINDER = "reminder"    # to the group's general topic
    NOTE = "note"
    OFFER = "offer"          # the ticket offered to `person` in turn, with a mention
    MOVED = "moved"          # the last line of the old topic of a transferred ticket, which closes it
    OVERDUE = "overdue"      # late: the topic's name flagged, raised to `person` (the head) or the general topic
    RENAME = "rename"        # the topic's name follows the ticket's title again (its late flag taken off)


@dataclass(frozen=True)
class Relay:
    """One message of a ticket's conversation, to be delivered exactly once."""

    ticket_id: int
    direction: Direction
    kind: RelayKind
    text: str = ""
    buttons: tuple[tuple[Button, ...], ...] = ()
    author: str = ""
    media_type: str = ""
    source_id: str = ""  # the user's message id, for channels that can copy it
    person: Person | None = None  # whom an OFFER mentions, or the head an OVERDUE goes to


@dataclass(frozen=True)
class Said:
    """One message of a ticket's conversation as it went, for a transcript."""

    direction: Direction
    kind: RelayKind
    author: str
    text: str
    at: dt.datetime


class DeliveryReport(StrEnum):
    """What the shell tells the desk about a message to a user that did not simply go out."""

    HELD_INVITED = "held_invited"              # window closed; invitation template sent
    HELD_ALREADY_INVITED = "held_already_invited"
    HELD_NO_TEMPLATE = "held_no_template"
    HELD_INVITE_FAILED = "held_invite_failed"
    HELD_USER_BLOCKED = "held_user_blocked"    # the user blocked the bot; sent when they write again
    HELD_STILL_BLOCKED = "held_still_blocked"  # another reply held for them: said once already
    DELIVERED_AFTER_HOLD = "delivered_after_hold"
    FAILED = "failed"


class TicketStore(Protocol):
    """Durable tickets: at most one open per user, whatever the number of workers."""

    async def open(self, new: NewTicket) -> tuple[Ticket, bool]:
        """Open a ticket; the user's open one and False if there is one already."""

    async def get(self, ticket_id: int) -> Ticket | None: ...

    async def open_of_user(self, user_id: int) -> Ticket | None: ...

    async def list_open(self) -> list[Ticket]:
        """Every open ticket, oldest first."""

    async def queue_position(self, ticket_id: int) -> int:
        """1 for the oldest open ticket nobody has taken yet."""

    async def assign(self, ticket_id: int, consultant: str, at: dt.datetime,
                     consultant_id: str = "") -> Ticket | None: ...

    async def answered(self, ticket_id: int, at: dt.datetime) -> Ticket | None:
        """A consultant's words reached the user: the first time is the first reply (the ticket is
        returned then, once across instances; None on later replies)."""

    async def release(self, ticket_id: int, consultant_id: str) -> Ticket | None:
        """Take back an open ticket offered to the consultant and not taken or answered by anyone yet;
        None when it is no longer so (they replied, someone took it, it closed)."""

    async def transfer(self, ticket_id: int, centre: str) -> Ticket | None:
        """Give an open ticket to another centre (nobody holds it there yet); None when not open."""

    async def unanswered(self) -> list[Ticket]:
        """Open tickets without a consultant's reply and not flagged late yet."""

    async def flag_late(self, ticket_id: int, at: dt.datetime) -> Ticket | None:
        """Mark an unanswered ticket late, once across instances; None when it was already (or answered)."""

    async def close(self, ticket_id: int, by: str, at: dt.datetime) -> Ticket | None:
        """Close an open ticket; None when it was not open."""

    async def reopen(self, ticket_id: int) -> Ticket | None:
        """Reopen a closed ticket; None when the user has another open one."""

    async def rate(self, ticket_id: int, user_id: int, rating: int, at: dt.datetime) -> bool:
        """Store the user's first rating of their own closed ticket; False for another's, an open
        one, or one rated already (the consultants are told of one rating only)."""

    async def touch(self, ticket_id: int, at: dt.datetime) -> None:
        """The user wrote: the reply window of their channel starts again."""

    async def due_reminders(self, waiting_since: dt.datetime, at: dt.datetime) -> list[Ticket]:
        """Open unassigned tickets waiting since then and not reminded since; marks them reminded."""

    async def conversation(self, ticket_id: int, before: int) -> list[Said]:
        """What was said in the ticket (texts, files, notices, notes) before its message `before`."""


@dataclass(frozen=True)
class Presence:
    """A consultant of a centre, whether present, and how many open tickets they hold."""

    person: Person
    present: bool
    open_tickets: int


class PresenceStore(Protocol):
    """Who is present in each centre's workspace, and whose turn the next ticket is."""

    async def set_present(self, centre: str, person: Person, present: bool, at: dt.datetime) -> None: ...

    async def roster(self, centre: str) -> list[Presence]:
        """The centre's consultants, present first, in turn order."""

    async def offer(self, ticket_id: int, centre: str, limit: int, at: dt.datetime) -> Person | None:
        """Give the ticket to the present consultant whose turn it is, among those holding fewer
        than `limit` open tickets; None when nobody is present or all are full."""


class Workspace(Protocol):
    """The consultants' workspace as the shell finds it."""

    async def problem(self, centre: str) -> str | None:
        """Why the consultants of the centre's tickets cannot receive messages now; None when they can."""


class RelayOutbox(Protocol):
    """Where relayed messages wait until a worker delivers them."""

    async def put(self, relay: Relay) -> int: ...


# -- deadline reminders ------------------------------------------------------------


@dataclass(frozen=True)
class Subscription:
    """A user's consent to reminders of one stream (`own_region`: only the user's region's events)."""

    stream: str
    own_region: bool = False


class SubscriptionStore(Protocol):
    """Who wants reminders of what; a stop is kept, and nobody stopped is reminded again."""

    async def subscriptions(self, user_id: int) -> list[Subscription]: ...

    async def subscribe(self, user_id: int, subscription: Subscription) -> None:
        """Start (or change) the user's reminders of the stream from now on."""

    async def stop(self, user_id: int, stream: str | None = None, reason: str = "user") -> int:
        """Stop one stream's reminders, or all (None); returns how many were active."""
