"""What the consultants' tests alone need: the service running with the regional centres of
tests/consultants/centres.py (two with groups of their own, one without)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app.config import Settings
from knowledge import Matcher
from tests.channels.telegram.fake_api import FakeBotAPI
from tests.channels.whatsapp.fake_graph import FakeGraph
from tests.clock import FakeClock
from tests.consultants.centres import CENTRES
from tests.service import DeskService, knowledge_with_centres, running


@pytest.fixture
def centres_settings(desk_settings: Settings, tmp_path: Path) -> Settings:
    """The whole service's settings, its knowledge folder holding the centres."""
    return desk_settings.model_copy(update={"knowledge_dir": knowledge_with_centres(tmp_path / "c", CENTRES)})


@pytest.fixture
async def desk(centres_settings: Settings, engine: AsyncEngine, matcher: Matcher, bot_api: FakeBotAPI,
               graph: FakeGraph, clock: FakeClock) -> AsyncIterator[DeskService]:
    """The service with the centres, running."""
    async with running(centres_settings, engine, matcher, bot_api, graph, clock) as service:
        yield service
