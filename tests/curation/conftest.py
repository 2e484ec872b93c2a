"""The whole service with a consultants' group, on a copy of a small fixed knowledge folder that tests may edit.

The loop is checked on `kb/` (a few entries frozen for these tests), not on the shipped base the
curators keep editing: a new entry there must not turn a question these tests leave unanswered into
an answer.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.app.compose import build_matcher
from bot.app.config import Settings
from knowledge import Matcher
from knowledge.loader import DEFAULT_DIR
from tests.curation import TEST_KB
from tests.service import NATIONAL_ONLY


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
def desk_settings(desk_settings: Settings, knowledge_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """The service's settings on that folder; the CLI reads the same ones from the environment."""
    monkeypatch.setenv("DESK_DATABASE_URL", desk_settings.database_url)
    monkeypatch.setenv("DESK_KNOWLEDGE_DIR", str(knowledge_dir))
    return desk_settings.model_copy(update={"knowledge_dir": knowledge_dir})


@pytest.fixture
def own_matcher(desk_settings: Settings) -> Matcher:
    return build_matcher(desk_settings)


@pytest.fixture
def desk_matcher(own_matcher: Matcher) -> Matcher:
    """The service answers from that folder too."""
    return own_matcher
