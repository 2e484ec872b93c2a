"""The console app in the test's own process, on a clock the test moves (idle logout, cookies)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestClient
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app.config import Settings
from bot.console.app import mount_console
from bot.console.deps import Console
from handlers import Translator
from knowledge import Matcher

TOKEN = re.compile(r'name="csrf" value="([^"]+)"')


class Clock:
    def __init__(self) -> None:
        self.now = dt.datetime(2026, 12, 7, 9, 0, tzinfo=dt.UTC)

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += dt.timedelta(**delta)


async def console_client(aiohttp_client: Callable[..., Awaitable[TestClient[Any, Any]]], settings: Settings,
                         engine: AsyncEngine, matcher: Matcher, translator: Translator,
                         clock: Clock) -> TestClient[Any, Any]:
    app = web.Application()
    mount_console(app, Console(settings, engine, translator, lambda: matcher, clock))
    return await aiohttp_client(app)


async def form_token(client: TestClient[Any, Any], path: str) -> str:
    response = await client.get(path)
    found = TOKEN.search(await response.text())
    assert found, f"no form with a token on {path}"
    return found.group(1)


async def log_in(client: TestClient[Any, Any], name: str, password: str) -> web.StreamResponse:
    token = await form_token(client, "/console/login")
    return await client.post("/console/login", data={"csrf": token, "name": name, "password": password},
                             allow_redirects=False)
