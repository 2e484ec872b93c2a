"""The Telegram adapter's one send: ready JSON bodies, the same parameters aiogram would send, and
every answer of the Bot API mapped to one Outcome (sent, worth another try, or refused)."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator

import pytest
from aiogram import Bot
from aiohttp import web
from aiohttp.test_utils import TestServer

from bot.app.config import Settings
from bot.channels.telegram.sender import TelegramSender, message_bodies, send_messages
from bot.channels.telegram.service import build_bot
from bot.ops.metrics import Metrics
from handlers import Button, Reply
from tests.channels.telegram.fake_api import FakeBotAPI

CHAT = 4242
KEYBOARD = {"inline_keyboard": [[{"text": "Иә", "callback_data": "fb:1:y"}, {"text": "Жоқ", "callback_data": "fb:1:n"}],
                                [{"text": "Мәзір", "callback_data": "menu"}]]}


@pytest.fixture
async def bot(tg_settings: Settings) -> AsyncIterator[Bot]:
    """The desk's own Bot, on the fake Bot API."""
    bot = build_bot(tg_settings)
    yield bot
    await bot.session.close()


async def test_the_desk_s_replies_go_as_the_bodies_aiogram_would_send(bot: Bot, bot_api: FakeBotAPI) -> None:
    reply = Reply("*Жауап* & т.б.", ((Button("fb:1:y", "Иә"), Button("fb:1:n", "Жоқ")), (Button("menu", "Мәзір"),)))
    [body] = message_bodies(CHAT, [reply], thread_id=101)
    [method] = send_messages(CHAT, [reply], thread_id=101)

    outcome = await TelegramSender(bot).send_body(str(CHAT), body)
    sent = await bot(method)

    fast, through_aiogram = bot_api.calls
    assert fast == through_aiogram
    assert bot_api.content_types[0] == "application/json"
    assert fast["params"]["reply_markup"] == KEYBOARD
    assert (outcome.status, outcome.external_id, sent.message_id) == ("sent", "1", 2)  # the fake numbers them


@pytest.mark.parametrize(("status", "error", "parameters", "expected", "after", "reason"), [
    (429, "Too Many Requests: retry after 7", {"retry_after": 7}, "retry", 7.0, "flood"),
    (500, "Internal Server Error", {}, "retry", None, "server"),
    (502, "Bad Gateway", {}, "retry", None, "server"),
    (400, "Bad Request: chat not found", {}, "failed", None, ""),
    (403, "Forbidden: bot was blocked by the user", {}, "failed", None, ""),
])
async def test_every_error_answer_is_one_outcome(bot: Bot, bot_api: FakeBotAPI, status: int, error: str,
                                                  parameters: dict[str, int], expected: str, after: float | None,
                                                  reason: str) -> None:
    metrics = Metrics()
    bot_api.fail("sendMessage", status, error, **parameters)

    outcome = await TelegramSender(bot, metrics=metrics).send_body(str(CHAT), message_bodies(CHAT, [Reply("Сәлем")])[0])

    assert (outcome.status, outcome.retry_after) == (expected, after)
    assert error in outcome.error
    if reason:
        assert metrics.outbound_retries.labels("telegram", reason)._value.get() == 1


async def test_a_timeout_is_worth_another_try(tg_settings: Settings) -> None:
    async def stall(request: web.Request) -> web.Response:
        await asyncio.sleep(2)
        return web.json_response({"ok": True, "result": True})

    app = web.Application()
    app.router.add_post("/bot{token}/{method}", stall)
    async with TestServer(app, host="127.0.0.1") as server:
        bot = build_bot(tg_settings.model_copy(update={
            "telegram_api_url": str(server.make_url("")).rstrip("/"), "telegram_request_timeout": 0.2}))
        try:
            outcome = await TelegramSender(bot).send_body(str(CHAT), message_bodies(CHAT, [Reply("Сәлем")])[0])
        finally:
            await bot.session.close()
    assert outcome.status == "retry" and outcome.error.startswith("network: TimeoutError")


async def test_a_refused_connection_is_worth_another_try(tg_settings: Settings) -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    bot = build_bot(tg_settings.model_copy(update={"telegram_api_url": f"http://127.0.0.1:{port}"}))
    try:
        outcome = await TelegramSender(bot).send_body(str(CHAT), message_bodies(CHAT, [Reply("Сәлем")])[0])
    finally:
        await bot.session.close()
    assert outcome.status == "retry" and "ClientConnectorError" in outcome.error


async def test_an_answer_that_is_not_json_is_worth_another_try(tg_settings: Settings) -> None:
    async def gateway(request: web.Request) -> web.Response:  # a proxy in front of the Bot API
        return web.Response(status=502, text="<html>Bad Gateway</html>")

    app = web.Application()
    app.router.add_post("/bot{token}/{method}", gateway)
    async with TestServer(app, host="127.0.0.1") as server:
        bot = build_bot(tg_settings.model_copy(update={"telegram_api_url": str(server.make_url("")).rstrip("/")}))
        try:
            outcome = await TelegramSender(bot).send_body(str(CHAT), message_bodies(CHAT, [Reply("Сәлем")])[0])
        finally:
            await bot.session.close()
    assert outcome.status == "retry" and "502" in outcome.error
