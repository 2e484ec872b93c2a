"""The whole service with a consultants' group, on a copy of a small fixed knowledge folder that tests may edit.

The loop is checked on `kb/` (a few entries frozen for these tests), not on the shipped base the
curators keep editing: a new entry there must not turn a question these tests leave unanswered into
an answer.
"""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app.compose import build_matcher
from bot.app.config import Settings
from knowledge import Matcher
from knowledge.loader import DEFAULT_DIR
from tests.channels.telegram.fake_api import FakeBotAPI
from tests.channels.whatsapp.fake_graph import FakeGraph
from tests.clock import FakeClock
from tests.consultants.conftest import NATIONAL_ONLY, Desk, _fast_close, clock, running
from tests.consultants.conftest import desk_settings as consultant_settings

__all__ = ["_fast_close", "clock", "consultant_settings"]

TEST_KB = Path(__file__).with_name("kb")


@pytest.fixture
def knowledge_dir(tmp_path: Path) -> Path:
    """The small fixed knowledge folder, with the shipped regions and one national centre (nobody
    is asked their region)."""
    copy = tmp_path / "kb"
    shutil.copytree(TEST_KB, copy)
    shutil.copy(DEFAULT_DIR / "regions.yaml", copy)
    (copy / "centres.yaml").write_text(NATIONAL_ONLY, encoding="utf-8")
    return copy


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
