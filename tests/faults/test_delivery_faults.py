"""The platforms failing the desk's answers, through a real `civic-desk serve` and fake APIs on loopback.

Each test delivers a burst of updates as the platform does (each until it is acknowledged),
then breaks the platform's side of the answers, and asserts that every acknowledged update is
answered exactly once when the platform is back. The counts are printed for the README.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app.config import Settings
from bot.channels.whatsapp import signature
from bot.db.models import OutboundMessage
from tests.channels.telegram.chat import TOKEN
from tests.channels.whatsapp.fake_graph import FakeGraph, error_body
from tests.channels.whatsapp.meta import ACCESS_TOKEN, API_VERSION, APP_SECRET, PHONE_NUMBER_ID, VERIFY_TOKEN
from tests.channels.whatsapp.meta import message as wa_message
from tests.channels.whatsapp.meta import payload as wa_payload
from tests.faults.platform import Platform, text_update
from tests.faults.serve import Served, SlowBotAPI, run_fake

pytestmark = pytest.mark.slow
Fault = Callable[[dict[str, Any]], Any]  # a sendMessage's params -> an error answer, "stall", or None


class FaultyBotAPI(SlowBotAPI):
    """The fake Bot API with a fault on sendMessage while `fault` says so; counts what it delivered."""

    def __init__(self) -> None:
        super().__init__(TOKEN)
        self.fault: Fault = lambda params: None
        self.refused = 0
        self.delivered: Counter[int] = Counter()
        self.first_delivery = 0.0  # time.monotonic() of the first answer taken
        self.released = asyncio.Event()  # ends every stalled answer (the end of the test)

    async def handle(self, request: web.Request) -> web.StreamResponse:
        if request.match_info["method"] != "sendMessage":
            return await super().handle(request)
        params = dict(await request.json())
        fault = self.fault(params)
        if fault == "stall":  # no answer for 25 s: the desk's call times out, the message is not sent
            self.refused += 1
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.released.wait(), 25)
            return web.json_response({"ok": False, "error_code": 500, "description": "stalled"}, status=500)
        if fault is not None:
            self.refused += 1
            return web.json_response(fault, status=fault["error_code"])
        response = await super().handle(request)
        self.delivered[int(params["chat_id"])] += 1
        self.first_delivery = self.first_delivery or time.monotonic()
        return response


@pytest.fixture
async def faulty() -> AsyncIterator[FaultyBotAPI]:
    fake = FaultyBotAPI()
    runner, fake.url = await run_fake(fake.app)
    yield fake
    fake.released.set()
    await runner.cleanup()


async def until(check: Callable[[], Any], timeout: float, step: float = 0.2) -> float:
    """Seconds until `check()` (a function or a coroutine function) is true; bounded."""
    started = time.monotonic()
    async with asyncio.timeout(timeout):
        while not (await check() if asyncio.iscoroutinefunction(check) else check()):
            await asyncio.sleep(step)
    return time.monotonic() - started


async def burst(server: Served, chats: range, in_flight: int = 16) -> Platform:
    platform = Platform(server, in_flight=in_flight)
    await platform.deliver_all([text_update(chat) for chat in chats])
    return platform


async def kept(engine: AsyncEngine) -> Counter[str]:
    async with engine.connect() as conn:
        return Counter((await conn.execute(select(OutboundMessage.status))).scalars())


async def metric(server: Served, line_start: str) -> float:
    async with aiohttp.ClientSession() as session, session.get(server.url + "/metrics") as response:
        text = await response.text()
    return sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines() if line.startswith(line_start))


async def test_telegram_500_for_30_seconds_then_every_answer_once(
        engine: AsyncEngine, settings: Settings, faulty: FaultyBotAPI, tmp_path: Path) -> None:
    """A real 30-s outage; the back-off is capped at 2 s (DESK_DELIVERY_MAX_BACKOFF_SECONDS) so the
    answers go out within 2 s of the end instead of up to the 300-s default cap: bounded, not shortened."""
    server = Served(settings.database_url, faulty.url, tmp_path, delivery_max_backoff_seconds="2")
    chats = range(31_000, 31_060)
    try:
        await server.start()
        outage_ends = time.monotonic() + 30
        faulty.fault = lambda params: ({"ok": False, "error_code": 500, "description": "Internal Server Error"}
                                       if time.monotonic() < outage_ends else None)
        platform = await burst(server, chats)
        await until(lambda: time.monotonic() >= outage_ends, timeout=35)
        waited = await until(lambda: len(faulty.delivered) == len(chats), timeout=30)
        retries = await metric(server, 'desk_outbound_retries_total{channel="telegram",reason="server"}')
    finally:
        await server.stop()
    print(f"\nTelegram 500 for 30 s: {platform.acknowledged} acknowledged, {faulty.refused} refused tries, "
          f"all answered {waited:.1f} s after the outage, {sum(faulty.delivered.values())} answers")
    assert platform.acknowledged == len(chats)
    assert faulty.first_delivery >= outage_ends  # nothing got through the outage
    assert faulty.delivered == dict.fromkeys(chats, 1)
    assert retries == faulty.refused
    assert await kept(engine) == {"sent": len(chats)}


async def test_telegram_down_past_the_deadline_fails_each_answer_with_a_log_line_and_a_metric(
        engine: AsyncEngine, settings: Settings, faulty: FaultyBotAPI, tmp_path: Path) -> None:
    """The deadline is 9 s here (DESK_DELIVERY_DEADLINE_HOURS=0.0025) instead of 24 hours."""
    faulty.fault = lambda params: {"ok": False, "error_code": 502, "description": "Bad Gateway"}
    server = Served(settings.database_url, faulty.url, tmp_path, delivery_deadline_hours="0.0025",
                    delivery_max_backoff_seconds="2")
    chats = range(32_000, 32_010)
    try:
        await server.start()
        await burst(server, chats)
        await until(_counted(server, len(chats)), timeout=30)
    finally:
        await server.stop()
    log = await server.stderr()
    assert faulty.delivered == {}
    assert await kept(engine) == {"failed": len(chats)}
    assert log.count("failed for good (deadline)") == len(chats)
    assert "Айгүл" not in log and "/help" not in log  # no name, no text


def _counted(server: Served, failed: int) -> Callable[[], Any]:
    async def check() -> bool:
        return await metric(server, 'desk_outbound_errors_total{channel="telegram",reason="deadline"}') == failed
    return check


async def test_telegram_retry_after_90_is_waited_out_for_that_chat_only(
        engine: AsyncEngine, settings: Settings, faulty: FaultyBotAPI, tmp_path: Path) -> None:
    """The 90 s are not slept through: once the desk has recorded when it will try again, the test
    moves that moment to now (as if the 90 s had passed) and watches the answer go out once."""
    flooded = {33_000, 33_001}
    told: set[int] = set()

    def flood(params: dict[str, Any]) -> Any:
        chat = int(params["chat_id"])
        if chat in flooded and chat not in told:
            told.add(chat)
            return {"ok": False, "error_code": 429, "description": "Too Many Requests: retry after 90",
                    "parameters": {"retry_after": 90}}
        return None

    faulty.fault = flood
    server = Served(settings.database_url, faulty.url, tmp_path)
    chats = range(33_000, 33_040)
    try:
        await server.start()
        platform = await burst(server, chats)
        await until(lambda: len(faulty.delivered) == len(chats) - len(flooded), timeout=30)
        async with engine.connect() as conn:
            waiting = (await conn.execute(select(OutboundMessage.chat_id, OutboundMessage.next_attempt_at,
                                                 OutboundMessage.created_at).where(
                OutboundMessage.status == "pending"))).all()
        assert {int(row.chat_id) for row in waiting} == flooded  # the others did not wait for them
        for row in waiting:
            assert (row.next_attempt_at - row.created_at).total_seconds() >= 89
        async with engine.begin() as conn:  # the 90 s pass
            await conn.execute(update(OutboundMessage).where(OutboundMessage.status == "pending")
                               .values(next_attempt_at=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)))
        waited = await until(lambda: len(faulty.delivered) == len(chats), timeout=15)
    finally:
        await server.stop()
    print(f"\nretry_after 90: {platform.acknowledged} acknowledged, {len(flooded)} chats told to wait, "
          f"sent {waited:.1f} s after the wait was over; every chat answered once")
    assert faulty.delivered == dict.fromkeys(chats, 1)


async def test_telegram_answering_after_25_seconds_is_timed_out_and_tried_again(
        engine: AsyncEngine, settings: Settings, faulty: FaultyBotAPI, tmp_path: Path) -> None:
    """The first 20 answers stall for 25 s; the desk's per-call timeout is 2 s here
    (DESK_TELEGRAM_REQUEST_TIMEOUT), so it gives up on each and tries again."""
    stalls = iter(range(20))
    faulty.fault = lambda params: "stall" if next(stalls, None) is not None else None
    server = Served(settings.database_url, faulty.url, tmp_path, telegram_request_timeout="2")
    chats = range(34_000, 34_040)
    try:
        await server.start()
        platform = await burst(server, chats)
        waited = await until(lambda: len(faulty.delivered) == len(chats), timeout=30)
    finally:
        await server.stop()
    print(f"\n25-s answers: {platform.acknowledged} acknowledged, {faulty.refused} stalled calls, all answered "
          f"{waited:.1f} s after the burst, each once")
    assert faulty.delivered == dict.fromkeys(chats, 1)
    assert platform.slowest < 5  # the webhooks never waited for the stalled calls


class FailingGraph(FakeGraph):
    """The fake Graph API answering 500 to everything, read receipts included, while `down`."""

    def __init__(self) -> None:
        super().__init__()
        self.down = True
        self.refused = 0
        self.answered: Counter[str] = Counter()

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.json()
        if self.down:
            self.refused += 1
            return web.json_response(error_body(1, "An unknown error occurred"), status=500)
        response = await super().handle(request)
        if "status" not in body:
            self.answered[body["to"].lstrip("+")] += 1
        return response


async def test_whatsapp_500s_then_every_answer_once_and_the_read_receipt_spends_none_of_its_tries(
        engine: AsyncEngine, settings: Settings, served_bot_api: SlowBotAPI, tmp_path: Path) -> None:
    graph = FailingGraph()
    runner, graph.url = await run_fake(graph.app)
    server = Served(settings.database_url, served_bot_api.url, tmp_path, whatsapp_token=ACCESS_TOKEN,
                    whatsapp_api_url=graph.url, whatsapp_api_version=API_VERSION,
                    whatsapp_phone_number_id=PHONE_NUMBER_ID, whatsapp_app_secret=APP_SECRET,
                    whatsapp_verify_token=VERIFY_TOKEN, delivery_max_backoff_seconds="1")
    users = [f"7701{n:07d}" for n in range(30)]
    try:
        await server.start()
        async with aiohttp.ClientSession() as session:
            statuses = await asyncio.gather(*(post_whatsapp(session, server, user, n) for n, user in enumerate(users)))
        await until(lambda: graph.refused >= 2 * len(users), timeout=20)  # a read and an answer each, refused
        graph.down = False
        waited = await until(lambda: len(graph.answered) == len(users), timeout=20)
        reads = len(graph.reads())
    finally:
        await server.stop()
        await runner.cleanup()
    print(f"\nWhatsApp 500s: {len(users)} acknowledged, {graph.refused} refused calls, all answered "
          f"{waited:.1f} s after the API was back, each once; read receipts tried {reads} times after")
    assert statuses == [200] * len(users)
    assert graph.answered == dict.fromkeys(users, 1)
    assert reads == 0  # a refused read receipt is not tried again, and took none of the answer's tries


async def post_whatsapp(session: aiohttp.ClientSession, server: Served, user: str, n: int) -> int:
    raw = json.dumps(wa_payload(wa_message(user, f"wamid.in.{n}", "text", {"body": "сәлем"},
                                           int(time.time())))).encode()
    headers = {"Content-Type": "application/json", "X-Hub-Signature-256": signature(APP_SECRET.encode(), raw)}
    async with session.post(server.url + "/webhook/whatsapp", data=raw, headers=headers) as response:
        return response.status
