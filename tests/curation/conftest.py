"""The whole service with a consultants' group, on a copy of the knowledge folder that tests may edit."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.compose import build_matcher
from bot.config import Settings
from knowledge import Matcher
from tests.channels.telegram.fake_api import FakeBotAPI
from tests.channels.whatsapp.fake_graph import FakeGraph
from tests.clock import FakeClock
from tests.consultants.conftest import NATIONAL_ONLY, Desk, _fast_close, clock, knowledge_with_centres, running
from tests.consultants.conftest import desk_settings as consultant_settings

__all__ = ["_fast_close", "clock", "consultant_settings"]


@pytest.fixture
def knowledge_dir(tmp_path: Path) -> Path:
    """The shipped knowledge with one national centre, so nobody is asked their region."""
    return knowledge_with_centres(tmp_path, NATIONAL_ONLY)


@pytest.fixture
def desk_settings(consultant_settings: Settings, knowledge_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """The service's settings; the CLI reads the same ones from the environment."""
    monkeypatch.setenv("DESK_DATABASE_URL", consultant_settings.database_url)
    monkeypatch.setenv("DESK_KNOWLEDGE_DIR", str(knowledge_dir))
    return consultant_settings.model_copy(update={"knowledge_dir": knowledge_dir})


@pytest.fixture
def own_matcher(desk_settings: Settings) -> Matcher:
    return build_matcher(desk_settings)


@pytest.fixture
async def desk(desk_settings: Settings, engine: AsyncEngine, own_matcher: Matcher, bot_api: FakeBotAPI,
               graph: FakeGraph, clock: FakeClock) -> AsyncIterator[Desk]:
    async with running(desk_settings, engine, own_matcher, bot_api, graph, clock) as service:
        yield service
