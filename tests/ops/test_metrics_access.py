"""/metrics is not for the world: loopback by default, a token, or a listener of its own."""

from __future__ import annotations

import aiohttp
from aiohttp.test_utils import TestServer
from pydantic import SecretStr
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app.config import Settings
from bot.app.web import SERVICES, create_app
from knowledge import Matcher
from tests.faults.serve import free_port

ELSEWHERE = ("127.0.0.2", 0)  # a client address that is not 127.0.0.1: another machine, as far as the desk sees


async def status(url: str, *, source: tuple[str, int] | None = None, token: str = "") -> int:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(local_addr=source)) as session, \
            session.get(url, headers=headers) as response:
        return response.status


async def test_by_default_only_loopback_may_scrape(settings: Settings, engine: AsyncEngine, matcher: Matcher) -> None:
    async with TestServer(create_app(settings, engine, matcher), host="127.0.0.1") as server:
        url = str(server.make_url("/metrics"))
        assert await status(url) == 200
        assert await status(url, source=ELSEWHERE) == 403


async def test_a_token_lets_a_scraper_in_from_anywhere(settings: Settings, engine: AsyncEngine,
                                                       matcher: Matcher) -> None:
    guarded = settings.model_copy(update={"metrics_token": SecretStr("s3cret-scrape")})
    async with TestServer(create_app(guarded, engine, matcher), host="127.0.0.1") as server:
        url = str(server.make_url("/metrics"))
        assert await status(url) == 401
        assert await status(url, token="wrong") == 401
        assert await status(url, source=ELSEWHERE, token="s3cret-scrape") == 200


async def test_a_metrics_port_moves_metrics_off_the_webhook_port(settings: Settings, engine: AsyncEngine,
                                                                 matcher: Matcher) -> None:
    port = free_port()
    own = settings.model_copy(update={"metrics_port": port})
    async with TestServer(create_app(own, engine, matcher), host="127.0.0.1") as server:
        assert await status(str(server.make_url("/metrics"))) == 404
        assert await status(f"http://127.0.0.1:{port}/metrics") == 200
        assert await status(f"http://127.0.0.1:{port}/healthz") == 404


async def test_a_burst_of_scrapes_costs_one_refresh(settings: Settings, engine: AsyncEngine,
                                                    matcher: Matcher) -> None:
    """The database-backed gauges are read once for many scrapes in a row, not once per scrape."""
    app = create_app(settings, engine, matcher)
    refreshed = []

    async def counting() -> None:
        refreshed.append(1)

    app[SERVICES].metrics.on_scrape(counting)
    async with TestServer(app, host="127.0.0.1") as server:
        for _ in range(20):
            assert await status(str(server.make_url("/metrics"))) == 200
    assert len(refreshed) == 1
