"""Under load the desk stays responsive: 40 users escalate at once while one of them floods 200
messages, consultants answer all 40, and the consultants' group holds Telegram's limit.

Through the real webhooks (HTTP on 127.0.0.1) to the real service with its workers running,
against a fake Bot API that refuses more than 20 posts per window into a group with a 429 and
`retry_after`, as Telegram does per minute. Time is real; only the group's window is scaled
(`SCALE`: a minute lasts 60/SCALE seconds, and the desk's group pace is set to match), so the
test is bounded. Private chats keep Telegram's real 1 message a second. While the consultants
reply, the group refuses everything: each reply must still reach its user, once. Waits are
bounded, never timed: the reply delays are printed, not asserted. SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import asyncio
import bisect
import itertools
import math
import re
import statistics
import time
from collections import deque
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp.test_utils import TestServer
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app.config import Settings
from bot.db.models import TicketRow, utcnow
from knowledge import Matcher
from tests.channels.telegram.chat import TOKEN, Consultant, TelegramUser
from tests.channels.telegram.fake_api import FakeBotAPI
from tests.channels.whatsapp.fake_graph import FakeGraph
from tests.service import GROUP, DeskService, running, whatsapp_posts

pytestmark = pytest.mark.slow
SCALE = 10  # the group's minute lasts 6 s: 20 posts per 6 s, and the desk paces 200 a minute to match
PER_WINDOW = 20
USERS = 40  # half on Telegram, half on WhatsApp; the first Telegram user floods
FLOOD = 200
GROUP_BURST = 1  # evenly spaced posts (bot/channels/telegram/sender.py): a window holds its 20 and one at its edge
GROUP_POSTS = frozenset({"sendMessage", "copyMessage", "sendDocument", "createForumTopic", "editMessageText"})
ESCALATE = "Кеңесшіге қосыңыз"
FLOODER = 5000


class PacedGroupAPI(FakeBotAPI):
    """The fake Bot API keeping Telegram's group limit, and the time each call arrived.

    `shut` refuses every post into the group with a 429, as Telegram does to a group
    flooded for a while: what the desk still delivers meanwhile did not wait for the group.
    """

    def __init__(self, token: str, window: float) -> None:
        super().__init__(token)
        self.window = window
        self.accepted: deque[float] = deque()  # when the group's posts of the current window came
        self.tries: list[float] = []  # when the desk tried to post into the open group (refusals included)
        self.refused = 0
        self.shut = False
        self.refused_shut = 0
        self.taken: list[tuple[float, dict[str, Any]]] = []  # messages answered with success, and when

    def refusal(self, method: str, params: dict[str, Any]) -> tuple[int, str, dict[str, Any]] | None:
        now = time.monotonic()
        refused = super().refusal(method, params)
        if refused is not None or method not in GROUP_POSTS or params.get("chat_id") != GROUP:
            return refused
        if self.shut:
            self.refused_shut += 1
            return 429, "Too Many Requests: retry after 1", {"retry_after": 1}
        self.tries.append(now)
        while self.accepted and self.accepted[0] <= now - self.window:
            self.accepted.popleft()
        if len(self.accepted) >= PER_WINDOW:
            self.refused += 1
            wait = max(1, math.ceil(self.accepted[0] + self.window - now))
            return 429, f"Too Many Requests: retry after {wait}", {"retry_after": wait}
        self.accepted.append(now)
        return None

    async def result(self, method: str, params: dict[str, Any]) -> Any:
        if method in ("sendMessage", "sendDocument"):
            self.taken.append((time.monotonic(), params))
        return await super().result(method, params)

    def group_posts(self, thread_id: int) -> list[dict[str, Any]]:
        """The messages the group took into one topic (refused attempts left out)."""
        return [params for _, params in self.taken if params.get("message_thread_id") == thread_id]

    def busiest_window(self) -> int:
        """The most posts the desk tried into the open group within one of the group's windows."""
        return max((bisect.bisect_left(self.tries, at + self.window) - n for n, at in enumerate(self.tries)),
                   default=0)


class TimedGraph(FakeGraph):
    """The fake Graph API, with the time each send arrived."""

    def __init__(self) -> None:
        super().__init__()
        self.arrived: list[tuple[float, dict[str, Any]]] = []

    async def handle(self, request: Any) -> Any:
        self.arrived.append((time.monotonic(), await request.json()))  # aiohttp keeps the body for a re-read
        return await super().handle(request)


@pytest.fixture
async def bot_api() -> AsyncIterator[PacedGroupAPI]:
    api = PacedGroupAPI(TOKEN, window=60 / SCALE)
    async with TestServer(api.app, host="127.0.0.1") as server:
        api.url = str(server.make_url("")).rstrip("/")
        yield api


@pytest.fixture
async def graph() -> AsyncIterator[TimedGraph]:
    fake = TimedGraph()
    async with TestServer(fake.app, host="127.0.0.1") as server:
        fake.url = str(server.make_url("")).rstrip("/")
        yield fake


@pytest.fixture
def load_settings(desk_settings: Settings) -> Settings:
    return desk_settings.model_copy(update={
        "telegram_group_messages_per_minute": 20 * SCALE, "telegram_chat_messages_per_second": 1,
        "telegram_messages_per_second": 30, "whatsapp_messages_per_second": 80, "ticket_messages_per_minute": 20})


def marker(chat: str) -> str:
    return f"жауап-{chat}"


class Load:
    """The people around the desk, and what the fakes received when."""

    def __init__(self, service: DeskService, api: PacedGroupAPI, graph: TimedGraph) -> None:
        self.desk, self.api, self.graph = service, api, graph
        self.update_ids = itertools.count(3_000_000)  # one sequence, as Telegram numbers a bot's updates
        self.telegram = [TelegramUser(service.client, api, service.shell, id=FLOODER + n, first_name=f"Қолданушы{n}",
                                      update_ids=self.update_ids) for n in range(USERS // 2)]
        self.whatsapp = [f"7701000{n:04d}" for n in range(USERS // 2)]
        self.sent_at: dict[str, float] = {}  # a consultant's reply marker -> when its webhook was posted

    async def escalate_and_flood(self) -> None:
        flooder = self.telegram[0]

        async def flood() -> None:
            assert await flooder.post(flooder.text_update(ESCALATE)) == 200
            for n in range(FLOOD):
                assert await flooder.post(flooder.text_update(flood_text(n))) == 200

        others = [user.post(user.text_update(ESCALATE)) for user in self.telegram[1:]]
        others += [whatsapp_posts(self.desk, ESCALATE, wa_id) for wa_id in self.whatsapp]
        statuses = await asyncio.gather(flood(), *others)
        assert statuses[1:] == [200] * (USERS - 1)

    async def tickets(self) -> dict[int, str]:
        async with self.desk.shell.engine.connect() as conn:
            return dict((await conn.execute(select(TicketRow.id, TicketRow.chat_id))).all())  # type: ignore[arg-type]

    async def reply_to_all(self) -> None:
        """Each consultant answers their ticket in its topic, all at once."""
        chats = await self.tickets()
        threads = {int(re.match(r"№(\d+)", title).group(1)): thread  # type: ignore[union-attr]
                   for thread, title in self.api.topics.items()}

        async def reply(n: int, ticket_id: int) -> None:
            consultant = Consultant(self.desk.client, self.api, self.desk.shell, group=GROUP,
                                    thread_id=threads[ticket_id], id=7000 + n, first_name=f"Кеңесші{n}",
                                    update_ids=self.update_ids)
            text = marker(chats[ticket_id])
            self.sent_at[text] = time.monotonic()
            assert await consultant.post(consultant.text_update(text)) == 200

        await asyncio.gather(*(reply(n, ticket_id) for n, ticket_id in enumerate(sorted(chats))))

    def flood_posts(self) -> list[str]:
        """The flooder's topic as the group took it (after the card): texts, or captions of files."""
        thread = next((thread for thread, title in self.api.topics.items() if "Қолданушы0 " in title), 0)
        return [post.get("text") or post.get("caption", "") for post in self.api.group_posts(thread)[1:]]

    def deliveries(self) -> list[tuple[float, str, str]]:
        """(when, chat, text) of every message a user's messenger took."""
        taken = [(at, str(params["chat_id"]), str(params.get("text", ""))) for at, params in self.api.taken
                 if params.get("chat_id") != GROUP]
        return taken + [(at, body["to"], body.get("text", {}).get("body", "")) for at, body in self.graph.arrived
                        if "status" not in body]  # read receipts carry a status and no text

    def received(self) -> dict[str, list[tuple[float, str]]]:
        """Each consultant's reply marker -> (when, chat) of every delivery that carried it."""
        seen: dict[str, list[tuple[float, str]]] = {mark: [] for mark in self.sent_at}
        for at, chat, text in self.deliveries():
            for mark in re.findall(r"жауап-\d+", text):
                seen.setdefault(mark, []).append((at, chat))
        return seen

    async def until(self, done: Any, timeout: float, what: str) -> None:
        try:
            async with asyncio.timeout(timeout):
                while not await done():
                    await asyncio.sleep(0.05)
        except TimeoutError:
            raise AssertionError(f"not within {timeout} s: {what}") from None


def flood_text(n: int) -> str:
    return f"{n + 1:03d}-хабарлама: жарғыға өзгеріс енгізу туралы тағы бір ойым бар"


async def test_forty_escalations_and_a_flood_never_keep_a_consultants_reply_from_its_user(
        load_settings: Settings, engine: AsyncEngine, matcher: Matcher, bot_api: PacedGroupAPI,
        graph: TimedGraph) -> None:
    async with running(load_settings, engine, matcher, bot_api, graph, utcnow,  # type: ignore[arg-type]
                       worker=True) as service:
        load = Load(service, bot_api, graph)
        flooding = asyncio.create_task(load.escalate_and_flood())

        async def all_topics() -> bool:
            return len(bot_api.topics) == USERS
        await load.until(all_topics, 60, "a topic for every ticket")

        bot_api.shut = True  # from now on the group takes nothing, until every user has their reply
        await load.reply_to_all()

        async def all_replies() -> bool:
            return all(load.received().values())
        await load.until(all_replies, 60, "every consultant's reply delivered while the group takes nothing")
        held = bot_api.refused_shut
        bot_api.shut = False
        await flooding

        async def whole_flood() -> bool:
            joined = "\n".join(load.flood_posts())
            return all(flood_text(n) in joined for n in range(FLOOD))
        await load.until(whole_flood, 120, "the whole flood posted in the group")
        await asyncio.wait_for(service.settle(), 60)  # what is left for the group goes before the stop

    received = load.received()
    delays = sorted(at - load.sent_at[mark] for mark, [(at, _), *_] in received.items())
    flood_posts = load.flood_posts()
    joined = "\n".join(flood_posts)
    positions = [joined.find(flood_text(n)) for n in range(FLOOD)]
    print(f"\nconsultant replies to users: p50 {statistics.median(delays):.2f} s, max {delays[-1]:.2f} s, "
          f"the group refusing all ({held} tries meanwhile); flood of {FLOOD} in {len(flood_posts)} posts; "
          f"busiest group window {bot_api.busiest_window()} tries; group 429s: {bot_api.refused}")

    assert held > 0  # the group had posts waiting (the cards' new assignees) while the replies went out
    assert all(len(deliveries) == 1 for deliveries in received.values())  # each reply delivered once
    assert all(chat.lstrip("+") == mark.removeprefix("жауап-") for mark, [(_, chat)] in received.items())
    assert bot_api.busiest_window() <= PER_WINDOW + GROUP_BURST  # the desk keeps the group's pace itself
    assert all(joined.count(flood_text(n)) == 1 for n in range(FLOOD))  # complete, each once
    assert positions == sorted(positions) and -1 not in positions  # in order
    assert len(flood_posts) <= FLOOD // 10  # merged: far fewer posts than messages
