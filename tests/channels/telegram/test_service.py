"""Start-up: configuration errors are readable, the webhook is registered, polling works."""

from __future__ import annotations

import re
from typing import Any

import pytest
from aiogram.fsm.middleware import FSMContextMiddleware
from aiohttp.test_utils import TestClient, TestServer
from pydantic import SecretStr
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app import cli
from bot.app.config import Settings
from bot.app.web import SHELL, create_app
from bot.channels.telegram import TelegramSetupError
from bot.channels.telegram.sender import TelegramReplies, TelegramSender
from bot.channels.telegram.service import build_bot, build_dispatcher
from handlers import Translator
from knowledge import Matcher
from tests.channels.telegram.chat import SECRET, TelegramUser, message
from tests.channels.telegram.fake_api import FakeBotAPI

CHAT = 4242
kk = Translator()("kk")


async def test_the_webhook_is_registered_at_start_with_the_secret(
        tg_settings: Settings, engine: AsyncEngine, matcher: Matcher, bot_api: FakeBotAPI) -> None:
    settings = tg_settings.model_copy(update={"public_url": "https://desk.example.kz/"})

    async with TestClient(TestServer(create_app(settings, engine, matcher))):
        assert bot_api.calls == [{"method": "setWebhook", "params": {
            "url": "https://desk.example.kz/webhook/telegram", "secret_token": SECRET,
            "allowed_updates": ["callback_query", "message", "my_chat_member"]}}]


async def test_a_refused_webhook_stops_the_start(tg_settings: Settings, engine: AsyncEngine,
                                                 matcher: Matcher) -> None:
    settings = tg_settings.model_copy(update={"public_url": "https://desk.example.kz",
                                              "telegram_token": SecretStr("123:revoked")})
    server = TestServer(create_app(settings, engine, matcher))

    with pytest.raises(TelegramSetupError, match=r"Telegram refused setWebhook: .*Unauthorized"):
        await server.start_server()
    await server.close()


@pytest.mark.parametrize(("changes", "error"), [
    ({"telegram_token": SecretStr("not-a-token")}, "DESK_TELEGRAM_TOKEN is malformed"),
    ({"telegram_token": SecretStr("12345:has space")}, "DESK_TELEGRAM_TOKEN is malformed"),
    ({"telegram_webhook_secret": SecretStr("")}, "DESK_TELEGRAM_WEBHOOK_SECRET must be set"),
    ({"telegram_webhook_secret": SecretStr("no spaces or +")}, "DESK_TELEGRAM_WEBHOOK_SECRET"),
])
def test_bad_configuration_is_a_start_up_error(tg_settings: Settings, engine: AsyncEngine,
                                               matcher: Matcher, changes: dict[str, SecretStr],
                                               error: str) -> None:
    with pytest.raises(TelegramSetupError, match=error):
        create_app(tg_settings.model_copy(update=changes), engine, matcher)


async def no_release(chat_id: str) -> int:
    return 0


def test_the_dispatcher_has_no_fsm(tg_settings: Settings, client: TestClient[Any, Any]) -> None:
    """The desk uses no aiogram states: no FSM middleware runs per update (the conversations still pass)."""
    shell = client.app[SHELL]  # type: ignore[index]
    replies = TelegramReplies(shell.outbound, TelegramSender(build_bot(tg_settings)))
    dispatcher = build_dispatcher(shell.desk, replies, no_release)

    assert not [m for m in dispatcher.update.outer_middleware if isinstance(m, FSMContextMiddleware)]


def test_polling_without_a_token_is_a_start_up_error(settings: Settings, engine: AsyncEngine,
                                                     matcher: Matcher) -> None:
    with pytest.raises(TelegramSetupError, match="DESK_TELEGRAM_TOKEN is not set"):
        create_app(settings, engine, matcher, polling=True)


async def test_without_a_token_there_is_no_telegram_webhook(settings: Settings, engine: AsyncEngine,
                                                            matcher: Matcher) -> None:
    async with TestClient(TestServer(create_app(settings, engine, matcher))) as client:
        response = await client.post("/webhook/telegram", json={"update_id": 1})
        assert response.status == 404


def test_serve_prints_a_readable_error(monkeypatch: pytest.MonkeyPatch, settings: Settings,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("DESK_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("DESK_TELEGRAM_TOKEN", "bot-token-from-the-wrong-field")

    assert cli.run(["serve"]) == 1
    assert capsys.readouterr().err == (
        "civic-desk cannot start: DESK_TELEGRAM_TOKEN is malformed: a bot token looks like "
        "123456789:AAE..., digits, a colon, then the secret\n")


async def test_long_polling_serves_the_same_desk(
        tg_settings: Settings, engine: AsyncEngine, matcher: Matcher, bot_api: FakeBotAPI) -> None:
    user = TelegramUser(None, bot_api, None)  # type: ignore[arg-type]
    first, again = user.text_update("/help"), user.text_update("/lang")
    bot_api.updates = [first, again, first]  # Telegram may repeat an update after a restart
    app = create_app(tg_settings, engine, matcher, polling=True)

    async with TestClient(TestServer(app)) as client:
        await bot_api.wait_for("sendMessage", count=2)
        await bot_api.wait_for("getUpdates", count=2)
        await client.app[SHELL].inbox.drain()  # type: ignore[index]
        response = await client.post("/webhook/telegram", json=first)
        assert response.status == 404  # polling and a webhook exclude each other

    polls = [call["params"] for call in bot_api.calls if call["method"] == "getUpdates"]
    assert polls[0] == {"timeout": 30, "allowed_updates": ["callback_query", "message", "my_chat_member"]}
    assert polls[1] == {**polls[0], "offset": again["update_id"] + 1}
    assert bot_api.sent() == [
        {"method": "getWebhookInfo", "params": {}},  # none registered: nothing to remove
        message(CHAT, kk("Type your question in Kazakh or Russian, or use the commands:\n"
                         "/menu: topics\n/lang: language\n/help: this help")),
        message(CHAT, "Тілді таңдаңыз:", [[("lang:kk", "Қазақ тілі"),
                                           ("lang:ru", "Русский язык")]]),
    ]


async def test_polling_refuses_to_start_over_a_live_webhook(
        tg_settings: Settings, engine: AsyncEngine, matcher: Matcher, bot_api: FakeBotAPI) -> None:
    bot_api.webhook_url = "https://desk.example.kz/webhook/telegram"  # the production instances
    server = TestServer(create_app(tg_settings, engine, matcher, polling=True))

    with pytest.raises(TelegramSetupError, match=re.escape(
            "a webhook is registered for this bot token (https://desk.example.kz/webhook/telegram): "
            "polling would take the updates away")):
        await server.start_server()
    await server.close()

    assert [call["method"] for call in bot_api.calls] == ["getWebhookInfo"]  # no getUpdates, nothing deleted
    assert bot_api.webhook_url == "https://desk.example.kz/webhook/telegram"


async def test_polling_with_force_removes_the_webhook_and_says_which(
        tg_settings: Settings, engine: AsyncEngine, matcher: Matcher, bot_api: FakeBotAPI,
        caplog: pytest.LogCaptureFixture) -> None:
    bot_api.webhook_url = "https://desk.example.kz/webhook/telegram"
    app = create_app(tg_settings, engine, matcher, polling=True, force=True)

    async with TestClient(TestServer(app)):
        await bot_api.wait_for("getUpdates")

    assert bot_api.sent()[:2] == [{"method": "getWebhookInfo", "params": {}},
                                  {"method": "deleteWebhook", "params": {"drop_pending_updates": False}}]
    assert bot_api.webhook_url == ""
    assert ("WARNING", "removed the Telegram webhook https://desk.example.kz/webhook/telegram (--force): "
            "this instance polls instead") in [(r.levelname, r.getMessage()) for r in caplog.records]


def test_force_goes_with_polling(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.run(["serve", "--force"]) == 2
    assert "--force goes with --polling" in capsys.readouterr().err
