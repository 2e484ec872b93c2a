"""What the knowledge pages change, and the audit trail that records each change with who and what."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app.config import Settings
from bot.console import audit
from bot.console.deps import Console
from bot.console.kb_edits import KbEdits, target
from bot.curation.entry_form import from_mapping
from bot.curation.store import PUBLISHED, REJECTED
from bot.db.models import utcnow
from handlers import Translator
from knowledge import Matcher, load_base

KB = Path(__file__).parents[1] / "curation" / "kb"


@pytest.fixture
def edits(settings: Settings, engine: AsyncEngine, tmp_path: Path) -> KbEdits:
    copy = tmp_path / "kb"
    shutil.copytree(KB, copy)
    settings = settings.model_copy(update={"knowledge_dir": copy})
    matcher = Matcher(load_base(copy))
    return KbEdits(Console(settings, engine, Translator(), lambda: matcher, utcnow))


async def changes(edits: KbEdits, entry_id: str) -> list[tuple[str, str, str]]:
    async with edits.console.engine.connect() as conn:
        return [(c.who, c.action, c.details) for c in await audit.history(conn, target(entry_id))]


async def test_a_gap_draft_holds_its_examples_with_personal_data_masked_again(edits: KbEdits) -> None:
    number, entry_id = await edits.from_gap("dana", "ru", ["Нужен ли фонду счёт? Звоните +7 701 123 45 67",
                                                           "Нужен ли фонду счёт в банке?", " "])
    draft = await edits.drafts.get(number)
    body = yaml.safe_load(draft.body)  # type: ignore[union-attr]
    assert body["questions"]["ru"][1] == "Нужен ли фонду счёт в банке?" and "701" not in draft.body  # type: ignore[union-attr]
    assert body["questions"]["kk"] == [] and body["answer"] == {"ru": "", "kk": ""}
    assert await changes(edits, entry_id) == [("dana", "draft.create", f"draft {number}: from a gap of 2 questions")]


async def test_saving_records_what_changed_and_publishing_replaces_the_file(edits: KbEdits) -> None:
    number = await edits.revise("dana", "grants.reporting")
    assert number is not None and await edits.revise("aigerim", "grants.reporting") == number  # one at a time
    draft = await edits.drafts.get(number)
    form = from_mapping(yaml.safe_load(draft.body))  # type: ignore[union-attr]
    form.values["owner"] = "Дана"
    form.values["questions_ru"] += "\nКак сдать отчёт ЦПГИ?"
    saved = await edits.save("dana", draft, form)  # type: ignore[arg-type]
    assert saved is not None and edits.review(saved).errors == 0
    outcome = await edits.publish("dana", saved)
    assert not isinstance(outcome, list), outcome
    assert yaml.safe_load(outcome.path.read_text(encoding="utf-8"))["owner"] == "Дана"
    assert (await edits.drafts.get(number)).status == PUBLISHED  # type: ignore[union-attr]
    assert await changes(edits, "grants.reporting") == [
        ("dana", "entry.publish", f"draft {number}, base version 1: owner curator -> Дана; questions.ru +1 -0"),
        ("dana", "draft.save", f"draft {number}: owner curator -> Дана; questions.ru +1 -0"),
        ("dana", "draft.create", f"draft {number}: edit of the published entry")]


async def test_an_unchanged_save_and_a_second_decision_record_nothing(edits: KbEdits) -> None:
    number = await edits.revise("dana", "ngo.register")
    draft = await edits.drafts.get(number)  # type: ignore[arg-type]
    assert await edits.save("dana", draft, from_mapping(yaml.safe_load(draft.body))) is not None  # type: ignore
    assert await edits.reject("dana", draft, "дубль") is True  # type: ignore[arg-type]
    assert (await edits.drafts.get(number)).status == REJECTED  # type: ignore[arg-type, union-attr]
    assert await edits.reject("aigerim", draft, "ещё раз") is False  # type: ignore[arg-type]
    assert await edits.save("aigerim", draft, from_mapping({"id": "ngo.register"})) is None  # type: ignore[arg-type]
    assert [action for _, action, _ in await changes(edits, "ngo.register")] == ["draft.reject", "draft.create"]


async def test_an_entry_that_is_not_there_has_no_edit(edits: KbEdits) -> None:
    assert await edits.revise("dana", "no.such-entry") is None
