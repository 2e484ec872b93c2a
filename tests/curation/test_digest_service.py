"""The running service posts the weekly digest into the consultants' group's general topic."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app.config import Settings
from bot.app.web import weekly_digest
from knowledge import Matcher
from tests.channels.telegram.fake_api import FakeBotAPI
from tests.channels.whatsapp.fake_graph import FakeGraph
from tests.clock import FakeClock
from tests.service import GROUP, running


async def test_the_digest_goes_to_the_general_topic_and_is_off_when_unset(
        desk_settings: Settings, engine: AsyncEngine, own_matcher: Matcher, bot_api: FakeBotAPI,
        graph: FakeGraph, clock: FakeClock) -> None:
    async with running(desk_settings, engine, own_matcher, bot_api, graph, clock) as off:
        assert weekly_digest(off.services) is None
    weekly = desk_settings.model_copy(update={"digest_day": "sun", "digest_time": "18:00"})
    async with running(weekly, engine, own_matcher, bot_api, graph, clock) as service:
        digest = weekly_digest(service.services)
        assert digest is not None
        assert await digest.run_once(dt.datetime(2026, 12, 6, 13, 0, tzinfo=dt.UTC))  # Sunday 18:00 in Almaty
    (call,) = [c for c in bot_api.calls if c["method"] == "sendMessage"]
    assert call["params"]["chat_id"] == GROUP and "message_thread_id" not in call["params"]
    assert call["params"]["text"].startswith("📊 Неделя бота: 29.11 – 06.12")
