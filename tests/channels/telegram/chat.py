"""Conversation-script helpers: a Telegram user talking to the desk through its webhook."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

from aiohttp.test_utils import TestClient

from bot.app.services import Services
from tests.channels.telegram.fake_api import DATE, FakeBotAPI

TOKEN = "123456789:AAHfake-token_for-tests"
SECRET = "test-secret_42"
WEBHOOK = "/webhook/telegram"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"

Rows = list[list[tuple[str, str]]]  # (callback data, label)


def message(chat_id: int, text: str, buttons: Rows | None = None) -> dict[str, Any]:
    """The exact sendMessage call the desk should make."""
    params: dict[str, Any] = {"chat_id": chat_id, "text": text, "parse_mode": "HTML",
                              "link_preview_options": {"is_disabled": True}}
    if buttons is not None:
        params["reply_markup"] = {"inline_keyboard": [
            [{"text": label, "callback_data": data} for data, label in row] for row in buttons]}
    return {"method": "sendMessage", "params": params}


def answered(query_id: str) -> dict[str, Any]:
    return {"method": "answerCallbackQuery", "params": {"callback_query_id": query_id}}


@dataclass
class TelegramUser:
    """A person in a private chat with the bot; each action returns the Bot API calls it caused."""

    client: TestClient[Any, Any]
    api: FakeBotAPI
    services: Services
    id: int = 4242
    first_name: str = "Айгүл"
    last_name: str = "Серікова"
    language_code: str = "kk"
    username: str = ""
    chat: dict[str, Any] = field(default_factory=dict)
    update_ids: itertools.count[int] = field(default_factory=lambda: itertools.count(500_001))
    message_ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def __post_init__(self) -> None:
        self.chat = self.chat or {"id": self.id, "type": "private", "first_name": self.first_name,
                                  "last_name": self.last_name}

    @property
    def sender(self) -> dict[str, Any]:
        sender = {"id": self.id, "is_bot": False, "first_name": self.first_name,
                  "last_name": self.last_name, "language_code": self.language_code}
        return sender | ({"username": self.username} if self.username else {})

    def message_update(self, **content: Any) -> dict[str, Any]:
        return {"update_id": next(self.update_ids), "message": {
            "message_id": next(self.message_ids), "date": DATE, "chat": self.chat,
            "from": self.sender, **content}}

    def text_update(self, text: str) -> dict[str, Any]:
        entities = ([{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
                    if text.startswith("/") else [])
        return self.message_update(text=text, **({"entities": entities} if entities else {}))

    def callback_update(self, data: str, query_id: str = "") -> dict[str, Any]:
        update_id = next(self.update_ids)
        return {"update_id": update_id, "callback_query": {
            "id": query_id or f"q{update_id}", "from": self.sender, "chat_instance": "ci-1",
            "data": data, "message": {"message_id": 1, "date": DATE, "chat": self.chat,
                                      "text": "menu", "from": {"id": 123456789, "is_bot": True,
                                                               "first_name": "Desk"}}}}

    async def post(self, payload: Any, secret: str | None = SECRET, *,
                   raw: bytes | None = None) -> int:
        headers = {SECRET_HEADER: secret} if secret is not None else {}
        response = await self.client.post(WEBHOOK, json=None if raw is not None else payload,
                                          data=raw, headers=headers)
        await response.read()
        return response.status

    async def deliver(self, update: dict[str, Any]) -> list[dict[str, Any]]:
        """Post one update as Telegram would, wait until it and what it relays are done, return the calls."""
        mark = len(self.api.calls)
        assert await self.post(update) == 200
        await self.services.inbox.drain()
        if self.services.outbox is not None:
            await self.services.outbox.drain()
        return self.api.calls[mark:]

    async def says(self, text: str) -> list[dict[str, Any]]:
        return await self.deliver(self.text_update(text))

    async def sends(self, **content: Any) -> list[dict[str, Any]]:
        return await self.deliver(self.message_update(**content))

    async def presses(self, data: str, query_id: str = "query-1") -> list[dict[str, Any]]:
        return await self.deliver(self.callback_update(data, query_id))


@dataclass
class Consultant(TelegramUser):
    """A member of the consultants' forum group, writing in one ticket's topic."""

    id: int = 7001
    first_name: str = "Асель"
    last_name: str = "Нұрланқызы"
    language_code: str = "ru"
    group: int = -1001234567890
    thread_id: int = 0
    is_bot: bool = False
    update_ids: itertools.count[int] = field(default_factory=lambda: itertools.count(900_001))
    message_ids: itertools.count[int] = field(default_factory=lambda: itertools.count(5001))

    def __post_init__(self) -> None:
        self.chat = self.chat or {"id": self.group, "type": "supergroup", "title": "Кеңесшілер",
                                  "is_forum": True}

    @property
    def sender(self) -> dict[str, Any]:
        return {**super().sender, "is_bot": self.is_bot}

    def message_update(self, **content: Any) -> dict[str, Any]:
        update = super().message_update(**content)
        if self.thread_id:
            update["message"] |= {"message_thread_id": self.thread_id, "is_topic_message": True}
        return update
