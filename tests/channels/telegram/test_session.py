"""JsonSession: calls without files go as JSON bodies; the parameters, answers and errors stay aiogram's."""

from __future__ import annotations

import asyncio
import datetime
import json
import socket
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
from aiogram import Bot
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.methods import (
    AnswerCallbackQuery,
    BanChatMember,
    CopyMessage,
    CreateForumTopic,
    DeleteWebhook,
    EditMessageText,
    GetUpdates,
    SendMessage,
    SetWebhook,
    TelegramMethod,
)
from aiogram.types import BufferedInputFile, InlineKeyboardButton, InlineKeyboardMarkup
from aiohttp import web
from aiohttp.test_utils import TestServer

from bot.app.config import Settings
from bot.channels.telegram.sender import NO_PREVIEW, message_bodies, send_messages
from bot.channels.telegram.service import build_bot
from bot.channels.telegram.session import JsonSession
from handlers import Button, Reply
from tests.channels.telegram.chat import TOKEN, message
from tests.channels.telegram.fake_api import FakeBotAPI

CHAT, GROUP = 4242, -1001234567890
KEYBOARD = InlineKeyboardMarkup(inline_keyboard=[
    [InlineKeyboardButton(text="Иә", callback_data="fb:1:y"), InlineKeyboardButton(text="Жоқ", callback_data="fb:1:n")],
    [InlineKeyboardButton(text="Мәзір", callback_data="menu")]])
DEFAULTS = DefaultBotProperties(parse_mode=ParseMode.HTML, link_preview_is_disabled=True)
Sender = Callable[[Bot], Awaitable[object]]


@pytest.fixture
async def bot(tg_settings: Settings) -> AsyncIterator[Bot]:
    """The desk's own Bot, on the fake Bot API."""
    bot = build_bot(tg_settings)
    yield bot
    await bot.session.close()


def api_server(url: str) -> TelegramAPIServer:
    return TelegramAPIServer.from_base(url)


async def test_the_desk_s_bot_sends_json_with_the_same_parameters(bot: Bot, bot_api: FakeBotAPI) -> None:
    sent = await bot.send_message(CHAT, "<b>Жауап</b> & т.б.", parse_mode=ParseMode.HTML,
                                  reply_markup=KEYBOARD, link_preview_options=NO_PREVIEW)

    assert isinstance(bot.session, JsonSession)
    assert bot_api.content_types == ["application/json"]
    assert bot_api.calls == [message(CHAT, "<b>Жауап</b> & т.б.",
                                     [[("fb:1:y", "Иә"), ("fb:1:n", "Жоқ")], [("menu", "Мәзір")]])]
    assert (sent.chat.id, sent.text) == (CHAT, "<b>Жауап</b> & т.б.")  # aiogram's Message, as before


def test_the_body_is_aiogram_s_prepared_values_as_json() -> None:
    bot = Bot(TOKEN, session=JsonSession(), default=DefaultBotProperties(parse_mode=ParseMode.HTML))
    until = datetime.datetime(2026, 1, 2, tzinfo=datetime.UTC)

    body = bot.session.build_json_body(bot, SendMessage(chat_id=CHAT, text="Сәлем", reply_markup=KEYBOARD))
    ban = bot.session.build_json_body(bot, BanChatMember(chat_id=GROUP, user_id=7, until_date=until))

    assert body is not None and ban is not None
    assert json.loads(body) == {  # parse_mode from the bot's defaults; unset defaults and None left out
        "chat_id": CHAT, "text": "Сәлем", "parse_mode": "HTML", "reply_markup": {"inline_keyboard": [
            [{"text": "Иә", "callback_data": "fb:1:y"}, {"text": "Жоқ", "callback_data": "fb:1:n"}],
            [{"text": "Мәзір", "callback_data": "menu"}]]}}
    assert json.loads(ban) == {"chat_id": GROUP, "user_id": 7, "until_date": str(round(until.timestamp()))}


CALLS: list[TelegramMethod[object]] = [
    SendMessage(chat_id=CHAT, text="<b>Сәлем</b>\n& «жауап»", reply_markup=KEYBOARD),  # bot defaults
    SendMessage(chat_id=GROUP, text="Жазба", message_thread_id=101, parse_mode=None, link_preview_options=NO_PREVIEW),
    EditMessageText(chat_id=GROUP, message_id=5, text="Карточка", parse_mode=ParseMode.HTML),
    AnswerCallbackQuery(callback_query_id="q-1", text="", show_alert=False),
    CopyMessage(chat_id=GROUP, from_chat_id=CHAT, message_id=3, message_thread_id=101),
    CreateForumTopic(chat_id=GROUP, name="№1 · kk · Telegram · Айгүл", icon_color=7322096),
    SetWebhook(url="https://desk.example.kz/webhook/telegram", secret_token="s_1",
               allowed_updates=["callback_query", "message"], drop_pending_updates=True),
    DeleteWebhook(drop_pending_updates=False),
    GetUpdates(offset=7, timeout=0, allowed_updates=["message"]),
    BanChatMember(chat_id=GROUP, user_id=7, until_date=datetime.datetime(2026, 1, 2, tzinfo=datetime.UTC)),
]


@pytest.mark.parametrize("method", CALLS, ids=lambda method: method.__api_method__)
async def test_the_api_reads_the_same_parameters_as_from_aiogram_s_form(
        bot_api: FakeBotAPI, method: TelegramMethod[object]) -> None:
    stock = Bot(TOKEN, session=AiohttpSession(api=api_server(bot_api.url)), default=DEFAULTS)
    ours = Bot(TOKEN, session=JsonSession(api=api_server(bot_api.url)), default=DEFAULTS)
    try:
        answers = [await stock(method), await ours(method)]
    finally:
        await stock.session.close()
        await ours.session.close()

    assert bot_api.content_types == ["application/x-www-form-urlencoded", "application/json"]
    form, body = bot_api.calls
    assert form == body
    assert type(answers[0]) is type(answers[1])  # aiogram parsed both answers alike


async def test_the_desk_s_replies_go_as_the_bodies_aiogram_would_send(bot: Bot, bot_api: FakeBotAPI) -> None:
    reply = Reply("*Жауап* & т.б.", ((Button("fb:1:y", "Иә"), Button("fb:1:n", "Жоқ")), (Button("menu", "Мәзір"),)))
    [body] = message_bodies(CHAT, [reply], thread_id=101)
    [method] = send_messages(CHAT, [reply], thread_id=101)
    session = bot.session
    assert isinstance(session, JsonSession)

    message_id = await session.send_message(bot, body)
    sent = await bot(method)

    fast, through_aiogram = bot_api.calls
    assert fast == through_aiogram
    assert fast["params"]["reply_markup"] == KEYBOARD.model_dump(exclude_none=True)
    assert (message_id, sent.message_id) == (1, 2)  # the fake API numbers its messages


def send_with_aiogram(bot: Bot) -> Awaitable[object]:
    return bot.send_message(CHAT, "Сәлем")


def send_ready_body(bot: Bot) -> Awaitable[object]:
    assert isinstance(bot.session, JsonSession)
    return bot.session.send_message(bot, message_bodies(CHAT, [Reply("Сәлем")])[0])


SENDS = pytest.mark.parametrize("send", [send_with_aiogram, send_ready_body], ids=["aiogram", "ready body"])


@SENDS
@pytest.mark.parametrize(("status", "error", "parameters", "expected"), [
    (429, "Too Many Requests: retry after 7", {"retry_after": 7}, TelegramRetryAfter),
    (500, "Internal Server Error", {}, TelegramServerError),
    (502, "Bad Gateway", {}, TelegramServerError),
    (400, "Bad Request: message thread not found", {}, TelegramBadRequest),
    (403, "Forbidden: bot was blocked by the user", {}, TelegramForbiddenError),
])
async def test_error_answers_raise_aiogram_s_exceptions(bot: Bot, bot_api: FakeBotAPI, status: int, error: str,
                                                        parameters: dict[str, int],
                                                        expected: type[TelegramAPIError], send: Sender) -> None:
    bot_api.fail("sendMessage", status, error, **parameters)

    with pytest.raises(expected, match=error) as raised:
        await send(bot)

    assert bot_api.content_types == ["application/json"]
    if isinstance(raised.value, TelegramRetryAfter):
        assert raised.value.retry_after == 7


@SENDS
async def test_a_timeout_is_a_network_error(tg_settings: Settings, send: Sender) -> None:
    async def stall(request: web.Request) -> web.Response:
        await asyncio.sleep(2)
        return web.json_response({"ok": True, "result": True})

    app = web.Application()
    app.router.add_post("/bot{token}/{method}", stall)
    async with TestServer(app, host="127.0.0.1") as server:
        bot = build_bot(tg_settings.model_copy(update={
            "telegram_api_url": str(server.make_url("")).rstrip("/"), "telegram_request_timeout": 0.2}))
        try:
            with pytest.raises(TelegramNetworkError, match="Request timeout error"):
                await send(bot)
        finally:
            await bot.session.close()


@SENDS
async def test_a_refused_connection_is_a_network_error(tg_settings: Settings, send: Sender) -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    bot = build_bot(tg_settings.model_copy(update={"telegram_api_url": f"http://127.0.0.1:{port}"}))
    try:
        with pytest.raises(TelegramNetworkError, match="ClientConnectorError"):
            await send(bot)
    finally:
        await bot.session.close()


async def test_a_file_still_goes_as_multipart(bot: Bot, bot_api: FakeBotAPI) -> None:
    """The desk uploads no files today; a method with an InputFile falls back to aiogram's multipart."""
    content = b"%PDF-1.4 charter"

    sent = await bot.send_document(CHAT, BufferedInputFile(content, filename="charter.pdf"), caption="Жарғы")

    assert bot_api.content_types == ["multipart/form-data"]
    [call] = bot_api.calls
    params = call["params"]
    attached = params.pop(params["document"].removeprefix("attach://"))
    assert call["method"] == "sendDocument"
    assert params == {"chat_id": CHAT, "caption": "Жарғы", "document": params["document"]}
    assert attached == {"filename": "charter.pdf", "content": content}
    assert sent.document is not None and sent.document.file_name == "charter.pdf"
