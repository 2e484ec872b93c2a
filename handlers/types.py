"""Plain message types that cross the boundary between the desk and the channels."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Channel(StrEnum):
    TELEGRAM = "telegram"
    WHATSAPP = "whatsapp"
    TERMINAL = "terminal"


class InboundKind(StrEnum):
    TEXT = "text"        # free text typed by the user
    COMMAND = "command"  # /start, /lang, /help, /menu (without the slash in `text`)
    CHOICE = "choice"    # a pressed button; `text` holds the button's data
    MEDIA = "media"      # sticker, photo, voice...; `text` holds a caption if any


@dataclass(frozen=True)
class Inbound:
    """One event from a user, whatever the messenger."""

    channel: Channel
    chat_id: str
    kind: InboundKind
    text: str = ""
    message_id: str = ""
    name: str = ""
    lang_hint: str = ""  # e.g. Telegram's language_code
    media_type: str = ""
    handle: str = ""  # "@username" where the messenger has one, for the consultant's card


@dataclass(frozen=True)
class ConsultantMessage:
    """One message a consultant wrote in a ticket's workspace, whatever the workspace is."""

    ticket_id: int
    author: str
    kind: InboundKind  # TEXT, COMMAND (name in `text`, the rest in `args`), CHOICE (button data) or MEDIA
    text: str = ""
    args: str = ""
    reply_to: str = ""  # the text of the message this one replies to, if any
    author_id: str = ""  # the consultant's id in the workspace, for presence and turns
    author_handle: str = ""  # "@username" where the workspace has one


@dataclass(frozen=True)
class Person:
    """A consultant (or a centre's head) as the workspace knows them, enough to mention them."""

    id: str
    name: str
    handle: str = ""  # "@username", "" when they have none


@dataclass(frozen=True)
class GroupMessage:
    """A consultant's command in a centre's workspace outside any ticket (/present, /away)."""

    centre: str  # the centre whose consultants work in that workspace
    author: Person
    command: str
    args: str = ""


@dataclass(frozen=True)
class Button:
    """A choice offered to the user: `data` comes back in a CHOICE inbound."""

    data: str
    label: str


@dataclass(frozen=True)
class Reply:
    """One message to the user. Text uses *bold* and plain URLs only; adapters render it."""

    text: str
    buttons: tuple[tuple[Button, ...], ...] = field(default=())

    def all_buttons(self) -> list[Button]:
        return [b for row in self.buttons for b in row]
