"""`civic-desk doctor`: one line per part, what is configured, missing, and what the desk will do."""

from __future__ import annotations

import asyncio
import os
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from tests.channels.telegram.chat import SECRET, TOKEN
from tests.faults.serve import command, run_fake

PHONE_ID = "106540352242922"
GRAPH_TOKEN = "EAAG-graph-token"


def env(tmp_path: Path, **settings: str) -> dict[str, str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("DESK_")}
    base["DESK_DATABASE_URL"] = f"sqlite+aiosqlite:///{tmp_path / 'desk.db'}"
    return {**base, **{f"DESK_{k.upper()}": v for k, v in settings.items()}}


async def desk(tmp_path: Path, *argv: str, **settings: str) -> tuple[int, list[str]]:
    process = await asyncio.create_subprocess_exec(*command(), *argv, env=env(tmp_path, **settings), cwd=tmp_path,
                                                   stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
    async with asyncio.timeout(60):
        out, _ = await process.communicate()
    return process.returncode or 0, out.decode().splitlines()


def line(lines: list[str], name: str) -> str:
    [found] = [x for x in lines if x.startswith(f"{name}: ")]
    return found


class FakePlatforms:
    """getMe, getWebhookInfo, getChat, getChatMember and Graph's phone number, with chosen answers."""

    def __init__(self) -> None:
        self.webhook_url = ""
        self.member: dict[str, Any] = {"status": "administrator", "can_manage_topics": True}
        self.requests: list[str] = []
        self.app = web.Application()
        self.app.router.add_post("/bot{token}/{method}", self.bot_api)
        self.app.router.add_get("/v21.0/{number}", self.graph)

    async def bot_api(self, request: web.Request) -> web.Response:
        self.requests.append(request.match_info["method"])
        if request.match_info["token"] != TOKEN:
            return web.json_response({"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401)
        results = {"getMe": {"id": 42, "is_bot": True, "username": "civic_desk_bot"},
                   "getWebhookInfo": {"url": self.webhook_url, "pending_update_count": 3},
                   "getChat": {"id": -1001234567890, "type": "supergroup", "title": "Консультанты", "is_forum": True},
                   "getChatMember": {"user": {"id": 42}, **self.member}}
        return web.json_response({"ok": True, "result": results[request.match_info["method"]]})

    async def graph(self, request: web.Request) -> web.Response:
        self.requests.append("graph")
        if request.headers.get("Authorization") != f"Bearer {GRAPH_TOKEN}" or request.match_info["number"] != PHONE_ID:
            return web.json_response({"error": {"message": "Invalid OAuth access token", "code": 190}}, status=401)
        return web.json_response({"display_phone_number": "+7 701 000 00 00", "verified_name": "Civic Centre",
                                  "quality_rating": "GREEN", "id": PHONE_ID})


@pytest.fixture
async def platforms() -> AsyncIterator[tuple[FakePlatforms, str]]:
    fake = FakePlatforms()
    runner, url = await run_fake(fake.app)
    yield fake, url
    await runner.cleanup()


async def test_offline_it_says_what_the_desk_will_and_will_not_do(tmp_path: Path) -> None:
    code, lines = await desk(tmp_path, "doctor")
    assert code == 1  # the database was never upgraded
    assert line(lines, "telegram") == "telegram: inactive: DESK_TELEGRAM_TOKEN is not set"
    assert line(lines, "database").startswith("database: error: ") and line(lines, "database").endswith("db upgrade`")
    assert line(lines, "serve") == "serve: error: will not start until the errors above are fixed"
    assert (await desk(tmp_path, "db", "upgrade"))[0] == 0
    code, lines = await desk(tmp_path, "doctor", whatsapp_token="x", whatsapp_phone_number_id=PHONE_ID)
    assert code == 1
    assert line(lines, "whatsapp") == ("whatsapp: error: DESK_WHATSAPP_APP_SECRET, DESK_WHATSAPP_VERIFY_TOKEN not "
                                       "set: WhatsApp needs all four of token, phone number id, app secret and "
                                       "verify token")
    code, lines = await desk(tmp_path, "doctor")
    assert code == 0 and line(lines, "database").endswith("(current)")
    assert line(lines, "redis").startswith("redis: inactive: DESK_REDIS_URL is not set")
    assert line(lines, "knowledge").startswith("knowledge: active: ")
    assert line(lines, "serve").startswith("serve: inactive: no channel would receive messages")


async def test_it_lists_the_regions_without_a_centres_contacts_and_the_centres_without_a_group(
        tmp_path: Path) -> None:
    _code, lines = await desk(tmp_path, "doctor")
    centres = line(lines, "centres")
    assert centres.startswith("centres: active: 2 centres; regions without contacts: astana, almaty, shymkent, ")
    without_contacts, without_group = centres.split("; ")[1:]
    assert "karaganda" not in without_contacts  # the shipped file has Karaganda's confirmed contacts
    assert without_group == "centres without a consultants' group: karaganda"


async def test_online_it_asks_telegram_and_meta(tmp_path: Path, platforms: tuple[FakePlatforms, str]) -> None:
    fake, url = platforms
    settings = {"telegram_token": TOKEN, "telegram_api_url": url, "telegram_webhook_secret": SECRET,
                "public_url": "https://desk.example.kz", "consultant_chat_id": "-1001234567890",
                "whatsapp_token": GRAPH_TOKEN, "whatsapp_api_url": url, "whatsapp_phone_number_id": PHONE_ID,
                "whatsapp_app_secret": "s", "whatsapp_verify_token": "v"}
    assert (await desk(tmp_path, "db", "upgrade"))[0] == 0
    code, lines = await desk(tmp_path, "doctor", "--online", **settings)
    assert line(lines, "telegram getMe") == "telegram getMe: active: the token belongs to @civic_desk_bot (id 42)"
    assert line(lines, "telegram webhook").startswith("telegram webhook: inactive: none registered (3 updates")
    assert line(lines, "consultants group") == ("consultants group: active: Консультанты: a forum, the bot an "
                                                "administrator that manages topics")
    assert line(lines, "whatsapp number") == ("whatsapp number: active: +7 701 000 00 00 (Civic Centre), "
                                              "quality GREEN")
    assert code == 0 and line(lines, "serve") == "serve: active: will take messages on telegram and whatsapp"
    assert set(fake.requests) == {"getMe", "getWebhookInfo", "getChat", "getChatMember", "graph"}

    fake.webhook_url, fake.member = "https://old.example.kz/webhook/telegram", {"status": "member"}
    code, lines = await desk(tmp_path, "doctor", "--online", **{**settings, "whatsapp_token": "expired"})
    assert code == 1
    assert line(lines, "telegram webhook").startswith("telegram webhook: error: registered at "
                                                      "https://old.example.kz/webhook/telegram, not at "
                                                      "https://desk.example.kz/webhook/telegram")
    assert line(lines, "consultants group").endswith("the bot is not an administrator")
    assert line(lines, "whatsapp number").startswith("whatsapp number: error: Graph refused (401 Invalid OAuth")
    assert all(TOKEN not in x and "expired" not in x for x in lines)


async def test_online_a_refused_token_is_one_line(tmp_path: Path, platforms: tuple[FakePlatforms, str]) -> None:
    _, url = platforms
    code, lines = await desk(tmp_path, "doctor", "--online", telegram_token="123456:AAwrong", telegram_api_url=url,
                             telegram_webhook_secret=SECRET, public_url="https://desk.example.kz")
    assert code == 1 and "telegram: error: refused: 401 Unauthorized" in lines
    assert all("AAwrong" not in x for x in lines)


async def test_it_says_when_the_consultants_group_is_broken_as_the_running_desk_left_it(tmp_path: Path) -> None:
    assert (await desk(tmp_path, "db", "upgrade"))[0] == 0
    with sqlite3.connect(tmp_path / "desk.db") as db:  # what a running instance stored on a refused post
        db.execute("INSERT INTO consultant_groups (configured_id, chat_id, problem, problem_since) VALUES "
                   "(-1001234567890, -1001234567890, 'the bot is not a member of the group', "
                   "'2026-12-07 09:00:00.000000')")
    _status, lines = await desk(tmp_path, "doctor", consultant_chat_id="-1001234567890")
    assert line(lines, "consultants' group") == (
        "consultants' group: inactive: -1001234567890; BROKEN since 2026-12-07T09:00:00+00:00: the bot is not "
        "a member of the group; messages are kept until it works again")
