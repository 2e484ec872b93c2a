"""Sessions: idle logout, the cookie's flags, what the table keeps, and what ends a session."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app.config import Settings
from bot.console.accounts import StaffStore
from bot.db.staff import StaffSession
from handlers import Translator
from knowledge import Matcher
from tests.console.inprocess import Clock, console_client, log_in

PASSWORD = "a long enough password"


@pytest.fixture
async def client(aiohttp_client: Any, settings: Settings, engine: AsyncEngine, matcher: Matcher,
                 translator: Translator) -> Any:
    await StaffStore(engine).add("aigerim", "head", PASSWORD, by="test")
    clock = Clock()
    client = await console_client(aiohttp_client, settings.model_copy(update={"console_idle_minutes": 30}),
                                  engine, matcher, translator, clock)
    client.clock = clock
    return client


async def test_the_session_cookie_is_httponly_lax_and_scoped_to_the_console(client: Any) -> None:
    response = await log_in(client, "aigerim", PASSWORD)
    assert response.status == 302 and response.headers["Location"] == "/console/"
    cookie = response.cookies["console_session"]
    assert cookie["httponly"] and cookie["samesite"] == "Lax" and cookie["path"] == "/console"
    assert not cookie["secure"]  # plain http: no DESK_PUBLIC_URL, so not behind TLS


async def test_behind_tls_the_cookies_are_secure(aiohttp_client: Any, settings: Settings, engine: AsyncEngine,
                                                 matcher: Matcher, translator: Translator) -> None:
    await StaffStore(engine).add("aigerim", "head", PASSWORD, by="test")
    behind_tls = settings.model_copy(update={"public_url": "https://desk.example.kz"})
    client = await console_client(aiohttp_client, behind_tls, engine, matcher, translator, Clock())
    login_page = await client.get("/console/login")
    form_cookie = login_page.cookies["console_csrf"]
    assert form_cookie["secure"] and form_cookie["samesite"] == "Strict"
    # The proxy speaks TLS to the browser, which sends the Secure cookie back; this client speaks plain http.
    response = await client.post("/console/login", allow_redirects=False, cookies={"console_csrf": form_cookie.value},
                                 data={"csrf": form_cookie.value, "name": "aigerim", "password": PASSWORD})
    assert response.cookies["console_session"]["secure"]


async def test_the_table_keeps_a_hash_of_the_token_never_the_token(client: Any, engine: AsyncEngine) -> None:
    response = await log_in(client, "aigerim", PASSWORD)
    token = response.cookies["console_session"].value
    async with engine.connect() as conn:
        stored = list(await conn.scalars(select(StaffSession.id)))
    assert len(stored) == 1 and token not in stored[0] and len(stored[0]) == 64


async def test_half_an_hour_without_a_request_logs_out(client: Any, engine: AsyncEngine) -> None:
    await log_in(client, "aigerim", PASSWORD)
    client.clock.advance(minutes=29)
    assert (await client.get("/console/", allow_redirects=False)).status == 200  # in use: the idle time restarts
    client.clock.advance(minutes=29)
    assert (await client.get("/console/", allow_redirects=False)).status == 200
    client.clock.advance(minutes=31)
    response = await client.get("/console/tickets", allow_redirects=False)
    assert response.status == 302 and response.headers["Location"].startswith("/console/login?next=")
    page = await (await client.get(response.headers["Location"])).text()
    assert "сеанс завершился" in page or "жүйеден шығып кеттіңіз" in page
    async with engine.connect() as conn:
        assert list(await conn.scalars(select(StaffSession.id))) == []


async def test_a_new_password_ends_the_accounts_sessions(client: Any, engine: AsyncEngine) -> None:
    await log_in(client, "aigerim", PASSWORD)
    await StaffStore(engine).set_password("aigerim", "another long password", by="test")
    assert (await client.get("/console/", allow_redirects=False)).status == 302
    assert (await log_in(client, "aigerim", PASSWORD)).status == 401
    assert (await log_in(client, "aigerim", "another long password")).status == 302


async def test_after_login_only_a_page_of_the_console_is_a_destination(client: Any) -> None:
    for elsewhere in ("https://evil.example/", "//evil.example/", "/healthz"):
        client.session.cookie_jar.clear()
        token = (await client.get("/console/login")).cookies["console_csrf"].value
        response = await client.post("/console/login", allow_redirects=False, data={
            "csrf": token, "name": "aigerim", "password": PASSWORD, "next": elsewhere})
        assert response.headers["Location"] == "/console/"


async def test_even_a_session_in_use_ends_after_twelve_hours(client: Any) -> None:
    await log_in(client, "aigerim", PASSWORD)
    for _ in range(12 * 3 - 1):  # a request every 20 minutes: never idle
        client.clock.advance(minutes=20)
        assert (await client.get("/console/", allow_redirects=False)).status == 200
    client.clock.advance(minutes=21)
    assert (await client.get("/console/", allow_redirects=False)).status == 302
