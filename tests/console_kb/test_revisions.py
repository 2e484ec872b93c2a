"""Editing a published entry: a revision draft replaces its file, and never over someone else's edit."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app.config import Settings
from bot.curation import service
from bot.curation.publish import entry_path, file_digest
from bot.curation.store import PUBLISHED, SqlDraftStore, base_version, to_yaml

KB = Path(__file__).parents[1] / "curation" / "kb"


@pytest.fixture
def kb_settings(settings: Settings, tmp_path: Path) -> Settings:
    copy = tmp_path / "kb"
    shutil.copytree(KB, copy)
    return settings.model_copy(update={"knowledge_dir": copy})


async def revision(store: SqlDraftStore, settings: Settings, entry_id: str, edit: dict) -> int:
    path = entry_path(settings.knowledge_dir, entry_id)
    number = await store.revise(entry_id, path.read_text(encoding="utf-8"), file_digest(path), "Айгүл")
    data = yaml.safe_load(path.read_text(encoding="utf-8")) | edit
    assert await store.update_body(number, to_yaml(data), entry_id)
    return number


async def test_a_published_revision_replaces_the_entry_file_and_bumps_the_version(
        kb_settings: Settings, engine: AsyncEngine) -> None:
    store = SqlDraftStore(engine)
    number = await revision(store, kb_settings, "grants.reporting", {"owner": "Айгүл"})
    assert (await store.open_revision("grants.reporting")).id == number  # type: ignore[union-attr]
    outcome = await service.publish(kb_settings, engine, await store.get(number))  # type: ignore[arg-type]
    assert not isinstance(outcome, list), outcome
    assert outcome.path == kb_settings.knowledge_dir / "entries" / "grants.reporting.yaml"
    assert yaml.safe_load(outcome.path.read_text(encoding="utf-8"))["owner"] == "Айгүл"
    async with engine.connect() as conn:
        assert await base_version(conn) == outcome.version == 1
    assert (await store.get(number)).status == PUBLISHED  # type: ignore[union-attr]
    assert await store.open_revision("grants.reporting") is None


async def test_an_out_of_scope_entry_is_revised_where_it_lives(kb_settings: Settings, engine: AsyncEngine) -> None:
    store = SqlDraftStore(engine)
    number = await revision(store, kb_settings, "oos.everyday", {"owner": "Бауыржан"})
    outcome = await service.publish(kb_settings, engine, await store.get(number))  # type: ignore[arg-type]
    assert not isinstance(outcome, list), outcome
    assert outcome.path.parent.name == "out_of_scope"
    assert not (kb_settings.knowledge_dir / "entries" / "oos.everyday.yaml").exists()


async def test_a_revision_over_a_file_changed_since_it_began_is_refused(
        kb_settings: Settings, engine: AsyncEngine) -> None:
    store = SqlDraftStore(engine)
    first = await revision(store, kb_settings, "grants.reporting", {"owner": "Айгүл"})
    second = await revision(store, kb_settings, "grants.reporting", {"owner": "Бауыржан"})
    assert not isinstance(await service.publish(kb_settings, engine, await store.get(first)), list)  # type: ignore[arg-type]
    refused = await service.publish(kb_settings, engine, await store.get(second))  # type: ignore[arg-type]
    assert isinstance(refused, list) and refused[0].field == "file" and "changed since this draft began" in \
        refused[0].message
    path = kb_settings.knowledge_dir / "entries" / "grants.reporting.yaml"
    assert yaml.safe_load(path.read_text(encoding="utf-8"))["owner"] == "Айгүл"


async def test_a_revision_keeps_its_entry_id_and_a_new_draft_cannot_take_a_used_one(
        kb_settings: Settings, engine: AsyncEngine) -> None:
    store = SqlDraftStore(engine)
    number = await revision(store, kb_settings, "grants.reporting", {"id": "grants.renamed"})
    refused = await service.publish(kb_settings, engine, await store.get(number))  # type: ignore[arg-type]
    assert isinstance(refused, list) and refused[0].message == "a revision of 'grants.reporting' keeps its id"
