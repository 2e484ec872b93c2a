"""aiogram updates as the desk's plain `Inbound` messages: no aiogram object goes further.

The commonest update, a text in a private chat, is also read straight from its JSON
(`private_text`): the same `Inbound` without validating the update into aiogram's models
and routing it through the dispatcher (benchmarks/README.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aiogram.enums import ChatType, ContentType
from aiogram.types import CallbackQuery, Message, User

from handlers import Channel, ConsultantMessage, Inbound, InboundKind
from handlers.types import GroupMessage, Person

# Content the desk answers with "I read text only"; service messages (pins, joins...) get nothing.
MEDIA_TYPES = frozenset({
    ContentType.ANIMATION, ContentType.AUDIO, ContentType.CONTACT, ContentType.DICE,
    ContentType.DOCUMENT, ContentType.LOCATION, ContentType.PAID_MEDIA, ContentType.PHOTO,
    ContentType.POLL, ContentType.STICKER, ContentType.STORY, ContentType.VENUE,
    ContentType.VIDEO, ContentType.VIDEO_NOTE, ContentType.VOICE,
})


def _sender(user: User | None) -> dict[str, str]:
    if user is None:
        return {}
    return _sender_fields(user.first_name, user.last_name, user.username, user.language_code)


def _sender_fields(first: str, last: str | None, username: str | None, language: str | None) -> dict[str, str]:
    """The name as Telegram shows it (aiogram's `User.full_name`), the language, the @username."""
    return {"name": f"{first} {last}" if last else first, "lang_hint": language or "",
            "handle": f"@{username}" if username else ""}


def _text(text: str, common: dict[str, str]) -> Inbound:
    if text.startswith("/"):
        return Inbound(kind=InboundKind.COMMAND, text=command_name(text), **common)
    return Inbound(kind=InboundKind.TEXT, text=text, **common)


def command_name(text: str) -> str:
    """"/start@CivicDeskBot payload" -> "start": the desk gets the bare command."""
    words = text[1:].split(maxsplit=1)
    return words[0].split("@")[0] if words else ""


def from_message(message: Message) -> Inbound | None:
    """A command, free text or media; None for service messages the desk has nothing to say to."""
    common = {"channel": Channel.TELEGRAM, "chat_id": str(message.chat.id),
              "message_id": str(message.message_id), **_sender(message.from_user)}
    if message.text is not None:
        return _text(message.text, common)
    content = message.content_type
    if content in MEDIA_TYPES:
        return Inbound(kind=InboundKind.MEDIA, text=message.caption or "",
                       media_type=ContentType(content).value, **common)
    return None


def private_text(update: Mapping[str, Any]) -> Inbound | None:
    """What `from_message` gives for a text in a private chat, read from the update's JSON; None
    for any other update or any field not of the shape the Bot API sends (aiogram reads those)."""
    message = update.get("message")
    if not isinstance(message, dict):
        return None
    chat, user, text = message.get("chat"), message.get("from"), message.get("text")
    if not (isinstance(chat, dict) and chat.get("type") == ChatType.PRIVATE and isinstance(text, str)
            and isinstance(user, dict) and all(type(v) is int for v in (chat.get("id"), message.get("message_id")))):
        return None
    first, last, username, language = (user.get(key) for key in ("first_name", "last_name", "username",
                                                                  "language_code"))
    if not isinstance(first, str) or not all(v is None or isinstance(v, str) for v in (last, username, language)):
        return None
    return _text(text, {"channel": Channel.TELEGRAM, "chat_id": str(chat["id"]),
                        "message_id": str(message["message_id"]), **_sender_fields(first, last, username, language)})


def from_callback(query: CallbackQuery) -> Inbound | None:
    """A pressed button; None outside private chats, where the desk stays silent."""
    message = query.message
    if message is not None and message.chat.type != ChatType.PRIVATE:
        return None
    chat_id = message.chat.id if message is not None else query.from_user.id
    return Inbound(Channel.TELEGRAM, str(chat_id), InboundKind.CHOICE, query.data or "",
                   message_id=str(message.message_id) if message is not None else "",
                   **_sender(query.from_user))


def replied_text(message: Message) -> str:
    """The text of the person's message this one replies to ("" for the topic's start or a bot's message)."""
    replied = message.reply_to_message
    if replied is None or replied.from_user is None or replied.from_user.is_bot:
        return ""
    return replied.text or ""


def person(user: User | None) -> Person:
    """A consultant as the desk knows them: their Telegram id, name and @username."""
    if user is None:
        return Person("", "")
    return Person(str(user.id), user.full_name, f"@{user.username}" if user.username else "")


def command_args(text: str) -> str:
    words = text[1:].split(maxsplit=1)
    return words[1] if len(words) > 1 else ""


def from_topic_message(message: Message, ticket_id: int) -> ConsultantMessage | None:
    """A consultant's message in a ticket's topic; None for service messages (topic edited...)."""
    who = person(message.from_user)
    ids = {"author_id": who.id, "author_handle": who.handle}
    if message.text is not None:
        if message.text.startswith("/"):
            return ConsultantMessage(ticket_id, who.name, InboundKind.COMMAND, command_name(message.text).lower(),
                                     command_args(message.text), reply_to=replied_text(message), **ids)
        return ConsultantMessage(ticket_id, who.name, InboundKind.TEXT, message.text, **ids)
    if message.content_type in MEDIA_TYPES:
        return ConsultantMessage(ticket_id, who.name, InboundKind.MEDIA, message.caption or "", **ids)
    return None


def from_group_command(message: Message, centre: str) -> GroupMessage | None:
    """A consultant's command in the group outside a ticket's topic; None for anything else."""
    if message.text is None or not message.text.startswith("/") or message.from_user is None:
        return None
    return GroupMessage(centre, person(message.from_user), command_name(message.text).lower(),
                        command_args(message.text))


def from_topic_callback(query: CallbackQuery, ticket_id: int) -> ConsultantMessage:
    """A consultant pressed a button the desk posted in a ticket's topic."""
    return ConsultantMessage(ticket_id, query.from_user.full_name, InboundKind.CHOICE, query.data or "")
