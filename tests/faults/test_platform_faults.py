"""The platforms misbehaving: 5xx, a stalled answer, a dropped connection; each message still
arrives exactly once when the platform recovers. (429s are in the channels' own tests.)"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app.config import Settings
from bot.app.web import SHELL, create_app
from bot.channels.whatsapp import GraphClient
from bot.channels.whatsapp.sender import transient
from bot.db.models import utcnow
from bot.ops.metrics import Metrics
from knowledge import Matcher
from tests.channels.telegram.chat import TelegramUser
from tests.channels.telegram.fake_api import FakeBotAPI
from tests.channels.whatsapp.fake_graph import FakeGraph
from tests.clock import FakeClock
from tests.faults.serve import run_fake

pytestmark = pytest.mark.slow
STALL = 0.3  # the client's timeout in these tests; a stalled answer takes longer


class Faults:
    """A queue of misbehaviours for the next calls: "stall" or "drop" (5xx use the fakes' own fail())."""

    def __init__(self) -> None:
        self.queue: list[str] = []
        self.delivered = 0

    async def misbehave(self, request: web.Request) -> bool:
        """True when this request was sabotaged and must not count as delivered."""
        if not self.queue:
            return False
        fault = self.queue.pop(0)
        if fault == "stall":
            await asyncio.sleep(STALL + 0.2)
        else:  # "drop": the connection closes with no answer
            assert request.transport is not None
            request.transport.abort()
        return True


class FaultyBotAPI(FakeBotAPI):
    def __init__(self, token: str) -> None:
        super().__init__(token)
        self.faults = Faults()

    async def handle(self, request: web.Request) -> web.Response:
        if request.match_info["method"] == "sendMessage" and await self.faults.misbehave(request):
            return web.Response(status=504)
        response = await super().handle(request)
        if request.match_info["method"] == "sendMessage" and response.status == 200:
            self.faults.delivered += 1
        return response


class FaultyGraph(FakeGraph):
    def __init__(self) -> None:
        super().__init__()
        self.faults = Faults()

    async def handle(self, request: web.Request) -> web.Response:
        if await self.faults.misbehave(request):
            return web.Response(status=504)
        response = await super().handle(request)
        self.faults.delivered += response.status == 200
        return response


@pytest.fixture
async def faulty_api() -> AsyncIterator[FaultyBotAPI]:
    from tests.channels.telegram.chat import TOKEN

    fake = FaultyBotAPI(TOKEN)
    runner, fake.url = await run_fake(fake.app)
    yield fake
    await runner.cleanup()


@pytest.mark.parametrize("faults", [["500"], ["drop"], ["stall"], ["500", "drop"]])
async def test_telegram_recovering_from_a_fault_gets_the_message_once(
        tg_settings: Settings, engine: AsyncEngine, matcher: Matcher, faulty_api: FaultyBotAPI,
        faults: list[str]) -> None:
    settings = tg_settings.model_copy(update={"telegram_api_url": faulty_api.url,
                                              "telegram_request_timeout": STALL})
    for fault in faults:
        if fault == "500":
            faulty_api.fail("sendMessage", 500, "Internal Server Error")
        else:
            faulty_api.faults.queue.append(fault)
    app = create_app(settings, engine, matcher)
    async with TestClient(TestServer(app)) as client:
        user = TelegramUser(client, faulty_api, app[SHELL])
        kept = app[SHELL].outbound
        kept.clock = clock = FakeClock(utcnow())
        await user.says("/help")  # not taken at once: kept, and tried again with back-off
        for _ in faults:
            clock.advance(minutes=1)
            await kept.drain()
        metrics: Metrics = app[SHELL].metrics
    assert faulty_api.faults.delivered == 1
    assert metrics.outbound_retries.labels("telegram", "server" if faults == ["500"] else "network")._value.get() >= 1


async def test_telegram_down_for_a_while_gets_every_answer_once_and_in_order_when_back(
        user: TelegramUser, bot_api: FakeBotAPI) -> None:
    kept = user.shell.outbound
    assert kept is not None
    kept.clock = clock = FakeClock(utcnow())
    for _ in range(5):
        bot_api.fail("sendMessage", 502, "Bad Gateway")
    assert [c["method"] for c in await user.says("/help")] == ["sendMessage"]  # kept
    assert await user.says("/menu") == []  # queued behind it
    for pause in (1, 2, 4, 8, 16):  # four more 502s, then Telegram is back
        clock.advance(seconds=pause)
        await kept.drain()
    texts = [c["params"]["text"] for c in bot_api.calls if c["method"] == "sendMessage"]
    assert len(texts) == 5 + 2 and texts[-2] == texts[0]  # the /help answer once, then the menu


@pytest.mark.parametrize("faults", [["stall"], ["drop"], ["drop", "stall"]])
async def test_the_graph_api_recovering_from_a_stall_or_a_drop_gets_the_message_once(faults: list[str]) -> None:
    graph = FaultyGraph()
    graph.faults.queue += faults
    runner, url = await run_fake(graph.app)
    client = GraphClient(url, "v21.0", "1", "token", timeout=STALL)
    await client.start()
    try:  # tried again as the scheduler would, once per failed try
        results = [await client.send("77011234567", {"type": "text", "text": {"body": "сәлем"}})
                   for _try in range(len(faults) + 1)]
    finally:
        await client.close()
        await runner.cleanup()
    assert [transient(result) for result in results[:-1]] == [True] * len(faults)  # each worth another try
    assert results[-1].ok and graph.faults.delivered == 1


