"""A fake Telegram Bot API server: records every call and answers like Telegram.

aiogram is pointed at it through DESK_TELEGRAM_API_URL, so the tests see the
exact HTTP calls a real bot would make: method name and decoded parameters.
Like the real Bot API it reads a JSON body, a url-encoded form or multipart, and
records the same parameters whichever the encoding (the encoding goes apart, in
`content_types`): a JSON body's values are read as the real server reads them,
as strings (objects and numbers JSON-encoded), then decoded as a form's are.
"""

from __future__ import annotations

import asyncio
import itertools
import json
from collections import defaultdict
from typing import Any

from aiohttp import web

# Parameters aiogram sends JSON-encoded (objects, lists, numbers); the rest are plain strings.
JSON_PARAMS = {"reply_markup", "allowed_updates", "link_preview_options", "chat_id", "user_id", "offset",
               "timeout", "drop_pending_updates", "message_thread_id", "from_chat_id", "message_id"}
DATE = 1767225600  # 2026-01-01
THREAD_NOT_FOUND = "Bad Request: message thread not found"
# Telegram's own descriptions of the errors the consultants' side meets.
UPGRADED = "Bad Request: group chat was upgraded to a supergroup chat"  # with parameters.migrate_to_chat_id
KICKED = "Forbidden: bot was kicked from the supergroup chat"
TOPIC_CLOSED = "Bad Request: TOPIC_CLOSED"
NO_TOPIC_RIGHTS = "Bad Request: not enough rights to manage topics"
BLOCKED = "Forbidden: bot was blocked by the user"
NO_SEND_RIGHTS = "Bad Request: not enough rights to send text messages to the chat"
NO_CREATE_RIGHTS = "Bad Request: not enough rights to create a topic"
ADMIN_RIGHTS = ("can_be_edited", "is_anonymous", "can_manage_chat", "can_delete_messages", "can_manage_video_chats",
                "can_restrict_members", "can_promote_members", "can_change_info", "can_invite_users",
                "can_post_stories", "can_edit_stories", "can_delete_stories", "can_send_welcome_messages",
                "can_manage_topics")
GIFTS = {"unlimited_gifts": True, "limited_gifts": True, "unique_gifts": True, "premium_subscription": True,
         "gifts_from_channels": True}


class FakeBotAPI:
    """Bot API methods on /bot<token>/<method>; failures can be queued per method."""

    def __init__(self, token: str) -> None:
        self.token = token
        self.url = ""
        self.calls: list[dict[str, Any]] = []
        self.content_types: list[str] = []  # each call's body encoding, in the order of `calls`
        self.updates: list[dict[str, Any]] = []  # served by getUpdates
        self.failures: dict[str, list[tuple[int, dict[str, Any]]]] = defaultdict(list)
        self.message_ids = itertools.count(1)
        self.topics: dict[int, str] = {}  # forum topics created: message_thread_id -> name
        self.deleted_topics: set[int] = set()
        self.thread_ids = itertools.count(101)
        self.webhook_url = ""  # set by setWebhook, cleared by deleteWebhook, read by getWebhookInfo
        self.migrated: dict[int, int] = {}  # a group upgraded to a supergroup: old chat id -> new
        self.kicked: set[int] = set()  # groups the bot was removed from
        self.closed_topics: set[int] = set()
        self.may_manage_topics = True  # the bot's admin right to reopen a closed topic
        self.blocked: set[int] = set()  # private chats of users who blocked the bot
        self.demoted: set[int] = set()  # groups where the bot is a plain member, no admin rights any more
        self.called = asyncio.Event()
        self.app = web.Application()
        self.app.router.add_post("/bot{token}/{method}", self.handle)

    def fail(self, method: str, status: int, description: str, **parameters: Any) -> None:
        """Answer the next call of `method` with this error (e.g. 429 with retry_after)."""
        body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
        if parameters:
            body["parameters"] = parameters
        self.failures[method].append((status, body))

    def delete_topic(self, thread_id: int) -> None:
        """A consultant deleted the topic: messages sent into it now fail."""
        self.deleted_topics.add(thread_id)

    def in_topic(self, thread_id: int) -> list[dict[str, Any]]:
        """The calls that posted into one forum topic (messages and copies)."""
        return [c for c in self.calls if c["params"].get("message_thread_id") == thread_id
                and c["method"] in ("sendMessage", "copyMessage")]

    def texts_in_topic(self, thread_id: int) -> list[str]:
        return [c["params"]["text"] for c in self.in_topic(thread_id) if c["method"] == "sendMessage"]

    def sent(self) -> list[dict[str, Any]]:
        """Every call but getUpdates, whose polling loop would make tests depend on timing."""
        return [call for call in self.calls if call["method"] != "getUpdates"]

    async def wait_for(self, method: str, count: int = 1, timeout: float = 5.0) -> None:
        async with asyncio.timeout(timeout):
            while sum(call["method"] == method for call in self.calls) < count:
                self.called.clear()
                await self.called.wait()

    async def handle(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return web.json_response({"ok": False, "error_code": 401,
                                      "description": "Unauthorized"}, status=401)
        method = request.match_info["method"]
        params = await read_params(request)
        self.calls.append({"method": method, "params": params})
        self.content_types.append(request.content_type)
        self.called.set()
        if self.failures[method]:
            status, body = self.failures[method].pop(0)
            return web.json_response(body, status=status)
        refusal = self.refusal(method, params)
        if refusal is not None:
            status, description, parameters = refusal
            return web.json_response({"ok": False, "error_code": status, "description": description,
                                      **({"parameters": parameters} if parameters else {})}, status=status)
        return web.json_response({"ok": True, "result": await self.result(method, params)})

    def refusal(self, method: str, params: dict[str, Any]) -> tuple[int, str, dict[str, Any]] | None:
        """The error Telegram answers for the state of the chat or topic, if any: (status, description,
        parameters)."""
        chat_id, thread_id = params.get("chat_id"), params.get("message_thread_id")
        if chat_id in self.migrated:
            return 400, UPGRADED, {"migrate_to_chat_id": self.migrated[chat_id]}
        if chat_id in self.kicked:
            return 403, KICKED, {}
        if chat_id in self.blocked:
            return 403, BLOCKED, {}
        if chat_id in self.demoted and method in ("sendMessage", "createForumTopic"):
            return 400, NO_SEND_RIGHTS if method == "sendMessage" else NO_CREATE_RIGHTS, {}
        if thread_id in self.deleted_topics:
            return 400, THREAD_NOT_FOUND, {}
        if method == "reopenForumTopic" and not self.may_manage_topics:
            return 400, NO_TOPIC_RIGHTS, {}
        if method == "reopenForumTopic":
            self.closed_topics.discard(thread_id)
        elif thread_id in self.closed_topics:
            return 400, TOPIC_CLOSED, {}
        return None

    async def result(self, method: str, params: dict[str, Any]) -> Any:
        if method in ("sendMessage", "editMessageText"):
            chat_id = params["chat_id"]
            message = {"message_id": params.get("message_id") or next(self.message_ids), "date": DATE,
                       "text": params["text"],
                       "chat": {"id": chat_id, "type": "supergroup" if chat_id < 0 else "private"}}
            if "message_thread_id" in params:
                message |= {"message_thread_id": params["message_thread_id"], "is_topic_message": True}
            return message
        if method == "sendDocument":  # the file came as multipart, under its attach:// name
            upload = params[params["document"].removeprefix("attach://")]
            return {"message_id": next(self.message_ids), "date": DATE,
                    "chat": {"id": params["chat_id"], "type": "private"},
                    "document": {"file_id": "doc-1", "file_unique_id": "doc-u1",
                                 "file_name": upload["filename"], "file_size": len(upload["content"])}}
        if method == "createForumTopic":
            thread_id = next(self.thread_ids)
            self.topics[thread_id] = params["name"]
            return {"message_thread_id": thread_id, "name": params["name"], "icon_color": 7322096}
        if method == "copyMessage":
            return {"message_id": next(self.message_ids)}
        if method == "getUpdates":
            if not self.updates:
                await asyncio.sleep(0.01)  # a short long-poll: the loop must not spin
            updates, self.updates = self.updates, []
            return updates
        if method == "setWebhook":
            self.webhook_url = params["url"]
        if method == "deleteWebhook":
            self.webhook_url = ""
        if method == "getWebhookInfo":
            return {"url": self.webhook_url, "has_custom_certificate": False, "pending_update_count": 0}
        if method == "getChat":
            return {"id": params["chat_id"], "type": "supergroup", "title": "Кеңесшілер", "is_forum": True,
                    "accent_color_id": 0, "max_reaction_count": 11, "accepted_gift_types": GIFTS}
        if method == "getChatMember":
            user = {"id": params["user_id"], "is_bot": True, "first_name": "Desk"}
            if params["chat_id"] in self.demoted:
                return {"status": "member", "user": user}
            return {"status": "administrator", "user": user, **dict.fromkeys(ADMIN_RIGHTS, True),
                    "is_anonymous": False}
        if method == "getMe":
            return {"id": int(self.token.split(":")[0]), "is_bot": True, "first_name": "Desk",
                    "username": "civic_desk_bot"}
        return True


async def read_params(request: web.Request) -> dict[str, Any]:
    """The call's parameters, the same for a JSON body, a form or multipart (an uploaded file
    becomes {"filename": ..., "content": bytes} under its attach:// name)."""
    if request.content_type == "application/json":
        body = await request.json()
        if not isinstance(body, dict):
            raise web.HTTPBadRequest(text="a JSON body must be an object")
        fields: dict[str, Any] = {key: value if isinstance(value, str) else json.dumps(value)
                                  for key, value in body.items()}
    else:
        fields = dict(await request.post())
    return {key: {"filename": value.filename, "content": value.file.read()}
            if isinstance(value, web.FileField) else _decode(key, str(value))
            for key, value in fields.items()}


def _decode(key: str, value: str) -> Any:
    if key not in JSON_PARAMS:
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value
