"""The desk's messages to the Bot API as ready JSON bodies, on the aiohttp session aiogram holds.

For its most frequent call (sendMessage with a rendered reply) aiogram builds a SendMessage
model, dumps and prepares it, encodes it as a form, and validates the answer into a Message:
most of the CPU a message costs. The adapter instead posts the ready body (rendered once as
Bot API JSON) with aiogram's own client session (its public `create_session`, the API
server's `api_url`) and reads the answer itself (`sender.outcome_of_answer`). Every other
call goes through aiogram unchanged (`bot(method)`), so nothing here depends on aiogram's
internals.
"""

from __future__ import annotations

from typing import Any, Final

from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiohttp.hdrs import CONTENT_TYPE

from bot.pipeline import jsonio

JSON_HEADERS: Final = {CONTENT_TYPE: "application/json"}


async def post_json(bot: Bot, session: AiohttpSession, method: str, body: dict[str, Any]) -> tuple[int, bytes]:
    """POST one Bot API call as a JSON body; the HTTP status and the raw answer. Network trouble
    and the per-call timeout (DESK_TELEGRAM_REQUEST_TIMEOUT) raise aiohttp's errors."""
    client = await session.create_session()
    url = session.api.api_url(token=bot.token, method=method)
    async with client.post(url, data=jsonio.dumps_bytes(body), headers=JSON_HEADERS,
                           timeout=session.timeout) as response:
        return response.status, await response.read()
