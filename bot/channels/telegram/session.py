"""aiogram's aiohttp session, sending Bot API calls as JSON bodies instead of form data.

aiogram posts every call as a form, JSON-encoding the nested values (reply_markup,
link_preview_options) into it one by one; building and url-encoding that form is
much of the CPU an outbound message costs. The Bot API takes an application/json
body for every method, so a call without files goes as one `json_dumps` of the
same prepared values (orjson, `bot.pipeline.jsonio`): less CPU per call (benchmarks/README.md).
Calls that upload files (an InputFile) still go as multipart, by aiogram itself.
The desk's own replies skip the method models altogether (`send_message`).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from http import HTTPStatus
from typing import TYPE_CHECKING, Any, Final, cast

from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.exceptions import TelegramNetworkError
from aiogram.methods import SendMessage
from aiogram.methods.base import TelegramType
from aiogram.types import Message
from aiohttp import ClientError
from aiohttp.hdrs import CONTENT_TYPE

from bot.pipeline import jsonio

if TYPE_CHECKING:
    from aiogram import Bot
    from aiogram.methods import TelegramMethod
    from aiogram.types import InputFile

JSON_HEADERS: Final = {CONTENT_TYPE: "application/json"}


class JsonSession(AiohttpSession):
    """An AiohttpSession whose calls without files are JSON bodies: building a form is the dear part.

    The values are prepared by aiogram's own `prepare_value` (bot defaults such as
    parse_mode, enums, dates, nested models), and the answer goes through aiogram's
    `check_response` as before: TelegramRetryAfter, TelegramServerError... unchanged.
    """

    def build_json_body(self, bot: Bot, method: TelegramMethod[TelegramType]) -> bytes | None:
        """The call as a JSON body, or None when it carries files (multipart is needed then).

        The same values as aiogram's form: None and empty strings left out, the rest
        prepared without the per-field JSON encoding the form needs.
        """
        files: dict[str, InputFile] = {}
        payload: dict[str, Any] = {}
        for key, value in method.model_dump(warnings=False).items():
            prepared = self.prepare_value(value, bot=bot, files=files, _dumps_json=False)
            if prepared is not None and prepared != "":
                payload[key] = prepared
        if files:
            return None
        return jsonio.dumps_bytes(payload)  # straight to UTF-8 bytes, not through a str

    async def make_request(self, bot: Bot, method: TelegramMethod[TelegramType],
                           timeout: int | None = None) -> TelegramType:
        body = self.build_json_body(bot, method)
        if body is None:
            return await super().make_request(bot, method, timeout)
        status, raw = await self._post(bot, method.__api_method__, body, lambda: method, timeout)
        response = self.check_response(bot=bot, method=method, status_code=status, content=raw)
        return cast(TelegramType, response.result)

    async def send_message(self, bot: Bot, body: dict[str, Any]) -> int:
        """sendMessage from a ready Bot API body (`sender.message_bodies`); returns the message_id.

        The desk's most frequent call skips aiogram's models both ways: no SendMessage to
        build, dump and prepare, no Message validated from the answer, the dearest part of a
        send (benchmarks/README.md).
        Anything but a plain success goes through aiogram's `check_response`, so errors
        raise aiogram's exceptions as `bot(method)` would.
        """
        def as_method() -> SendMessage:
            return SendMessage.model_validate(body)

        status, raw = await self._post(bot, "sendMessage", jsonio.dumps_bytes(body), as_method)
        with contextlib.suppress(ValueError):
            answer = jsonio.loads(raw)
            result = answer.get("result") if isinstance(answer, dict) and answer.get("ok") is True else None
            if HTTPStatus.OK <= status <= HTTPStatus.IM_USED and isinstance(result, dict) \
                    and isinstance(result.get("message_id"), int):
                return int(result["message_id"])
        # An error answer (or one that is not JSON) raises here, as through bot(method).
        response = self.check_response(bot=bot, method=as_method(), status_code=status, content=raw)
        return cast(Message, response.result).message_id

    async def _post(self, bot: Bot, api_method: str, body: bytes,
                    method: Callable[[], TelegramMethod[Any]], timeout: int | None = None) -> tuple[int, str]:
        """POST a JSON body; the status and the answer's text. Network trouble raises aiogram's
        TelegramNetworkError, as AiohttpSession.make_request does (`method` names the call in it)."""
        session = await self.create_session()
        url = self.api.api_url(token=bot.token, method=api_method)
        try:
            async with session.post(url, data=body, headers=JSON_HEADERS,
                                    timeout=self.timeout if timeout is None else timeout) as resp:
                return resp.status, (await resp.read()).decode(errors="replace")  # the Bot API answers UTF-8
        except TimeoutError as e:  # asyncio.TimeoutError since Python 3.11
            raise TelegramNetworkError(method=method(), message="Request timeout error") from e
        except ClientError as e:
            raise TelegramNetworkError(method=method(), message=f"{type(e).__name__}: {e}") from e
