"""Updates become the desk's plain Inbound messages."""

from __future__ import annotations

from typing import Any

import pytest
from aiogram.types import CallbackQuery, Message

from bot.channels.telegram.mapper import command_name, from_callback, from_message, private_text
from handlers import Channel, Inbound, InboundKind

USER = {"id": 7, "is_bot": False, "first_name": "Ерлан", "last_name": "Ахметов",
        "language_code": "ru"}
PRIVATE = {"id": 7, "type": "private", "first_name": "Ерлан"}
GROUP = {"id": -100500, "type": "supergroup", "title": "ҮЕҰ"}


def msg(chat: dict[str, Any] = PRIVATE, **content: Any) -> Message:
    return Message.model_validate({"message_id": 3, "date": 1767225600, "chat": chat,
                                   "from": USER, **content})


def test_commands_lose_the_slash_the_bot_name_and_the_payload() -> None:
    assert command_name("/start") == "start"
    assert command_name("/start@civic_desk_bot ref-42") == "start"
    assert command_name("/") == ""
    assert from_message(msg(text="/lang")) == Inbound(
        Channel.TELEGRAM, "7", InboundKind.COMMAND, "lang", message_id="3", name="Ерлан Ахметов",
        lang_hint="ru")


def test_text_and_media() -> None:
    text = from_message(msg(text="Грант туралы"))
    assert text is not None and (text.kind, text.text) == (InboundKind.TEXT, "Грант туралы")
    photo = from_message(msg(photo=[{"file_id": "p", "file_unique_id": "u", "width": 1,
                                     "height": 1}], caption="Анықтама"))
    assert photo is not None
    assert (photo.kind, photo.text, photo.media_type) == (InboundKind.MEDIA, "Анықтама", "photo")


def test_service_messages_map_to_nothing() -> None:
    assert from_message(msg(new_chat_title="Жаңа атау")) is None


def test_callbacks_in_private_chats_only() -> None:
    def query(chat: dict[str, Any]) -> CallbackQuery:
        return CallbackQuery.model_validate({
            "id": "q", "from": {**USER, "language_code": None}, "chat_instance": "c",
            "data": "menu", "message": {"message_id": 9, "date": 1767225600, "chat": chat}})

    assert from_callback(query(PRIVATE)) == Inbound(
        Channel.TELEGRAM, "7", InboundKind.CHOICE, "menu", message_id="9", name="Ерлан Ахметов")
    assert from_callback(query(GROUP)) is None


def update(**content: Any) -> dict[str, Any]:
    return {"update_id": 90, "message": {"message_id": 3, "date": 1767225600, "chat": PRIVATE, "from": USER,
                                         **content}}


@pytest.mark.parametrize("sent", [
    update(text="Грант туралы"),
    update(text="/start@civic_desk_bot ref-42", entities=[{"type": "bot_command", "offset": 0, "length": 21}]),
    update(text="/lang"),
    update(text=""),
    update(text="Привет", **{"from": {"id": 7, "is_bot": False, "first_name": "Ерлан"}}),
    update(text="Сәлем", **{"from": {**USER, "last_name": "", "username": "erlan_a", "language_code": None}}),
])
def test_a_private_text_read_from_its_json_is_what_aiogram_reads(sent: dict[str, Any]) -> None:
    assert private_text(sent) is not None
    assert private_text(sent) == from_message(Message.model_validate(sent["message"]))


@pytest.mark.parametrize("sent", [
    update(text="Сәлем", chat=GROUP),
    update(photo=[{"file_id": "p", "file_unique_id": "u", "width": 1, "height": 1}], caption="Анықтама"),
    update(text="Сәлем", chat={**PRIVATE, "id": "7"}),
    update(text="Сәлем", **{"from": {**USER, "first_name": None}}),
    {"update_id": 91, "callback_query": {"id": "q", "from": USER, "chat_instance": "c", "data": "x"}},
    {"update_id": 92, "edited_message": update(text="Сәлем")["message"]},
])
def test_every_other_update_is_left_to_aiogram(sent: dict[str, Any]) -> None:
    assert private_text(sent) is None
