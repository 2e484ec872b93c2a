"""The validator: a broken base is refused with `file: field: problem` lines."""

import datetime as dt
import shutil
from pathlib import Path

import pytest
import yaml

from knowledge import Action, KnowledgeError, check_base, load_base
from knowledge.loader import DEFAULT_DIR

# The topics every deployment must answer (the ids are stable: channels and logs refer to them).
REQUIRED_IDS = {
    "desk.about", "desk.human", "civic-centre.services", "ngo.what-is", "ngo.register",
    "ngo.foreign-funding", "database.what-is", "database.deadline", "database.how-submit",
    "database.consequences", "social-order.what-is", "social-order.who-can", "social-order.how-apply",
    "social-order.areas", "social-order.reporting", "social-order.strategic-partnership",
    "grants.what-is", "grants.operator", "grants.types", "grants.who-can", "grants.how-apply",
    "grants.reporting", "prizes.what-is", "prizes.how-apply", "public-councils.what-is",
    "public-councils.composition", "public-councils.how-join", "public-councils.public-control",
    "dialogue.forms", "dialogue.how-prepare", "dialogue.ngo-council", "volunteering.what-is",
    "smalltalk.greeting", "smalltalk.thanks",
}


def entry(**overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "id": "grants.sample", "category": "grants", "action": "answer",
        "title": {"kk": "Үлгі", "ru": "Образец"},
        "questions": {"kk": [f"грант туралы сұрақ {i}" for i in range(6)],
                      "ru": [f"вопрос о гранте {i}" for i in range(6)]},
        "keywords": {"kk": ["грант"], "ru": ["грант"]},
        "answer": {"kk": "Жауап.", "ru": "Ответ."},
        "link": "https://adilet.zan.kz/rus/docs/Z050000036_",
        "sources": [{"act": "Закон № 36-III", "article": "ст. 6-1", "url": "https://adilet.zan.kz/"}],
        "checked": "2026-01-10",
        "review_by": "2027-01-10",
        "owner": "curator",
        "related": [],
    }
    data.update(overrides)
    return data


@pytest.fixture
def base_dir(tmp_path: Path) -> Path:
    (tmp_path / "entries").mkdir()
    shutil.copy(DEFAULT_DIR / "categories.yaml", tmp_path / "categories.yaml")
    (tmp_path / "mci.yaml").write_text("2026: 4325\n", encoding="utf-8")
    return tmp_path


def write(base_dir: Path, data: dict[str, object], name: str | None = None) -> Path:
    path = base_dir / "entries" / f"{name or data['id']}.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def errors(base_dir: Path) -> list[str]:
    _, problems = check_base(base_dir, today=dt.date(2026, 11, 21))
    return [str(p) for p in problems if p.severity == "error"]


def test_the_shipped_base_is_valid_and_covers_every_required_topic() -> None:
    base = load_base()
    assert set(base.by_id) >= REQUIRED_IDS
    answers = [e for e in base.entries if e.action is Action.ANSWER]
    assert all(e.sources and e.checked and e.review_by > e.checked and e.owner for e in answers)
    assert all(len(e.questions[lang]) >= 6 for e in base.entries for lang in ("kk", "ru"))


def test_a_valid_entry_loads(base_dir: Path) -> None:
    write(base_dir, entry())
    assert errors(base_dir) == []


def test_a_missing_language_is_named_with_file_and_field(base_dir: Path) -> None:
    path = write(base_dir, entry(answer={"ru": "Ответ."}))
    assert errors(base_dir) == [f"{path}: answer.kk: missing or empty"]


def test_too_few_phrasings_are_refused(base_dir: Path) -> None:
    path = write(base_dir, entry(questions={"kk": ["бір"], "ru": [f"вопрос {i}" for i in range(6)]}))
    assert errors(base_dir) == [f"{path}: questions.kk: 1 given, at least 6 needed"]


def test_an_answer_without_a_legal_source_is_refused(base_dir: Path) -> None:
    path = write(base_dir, entry(sources=[]))
    assert errors(base_dir) == [f"{path}: sources: an answer needs at least one legal source"]


def test_answers_longer_than_a_messenger_message_are_refused(base_dir: Path) -> None:
    path = write(base_dir, entry(answer={"kk": "ә" * 1100, "ru": "Ответ."}))
    assert errors(base_dir) == [f"{path}: answer.kk: 1100 characters, the limit is 1024"]


def test_unknown_related_ids_and_categories_are_named(base_dir: Path) -> None:
    path = write(base_dir, entry(related=["grants.nowhere"], category="nowhere"))
    assert errors(base_dir) == [
        f"{path}: category: 'nowhere' is not in categories.yaml",
        f"{path}: related[0]: 'grants.nowhere' is not an entry id",
    ]


def test_a_phrasing_shared_by_two_entries_is_refused(base_dir: Path) -> None:
    path = write(base_dir, entry())
    write(base_dir, entry(id="grants.other", questions={
        "kk": ["ГРАНТ туралы сұрақ 0!", *[f"басқа {i}" for i in range(5)]],
        "ru": [f"другой {i}" for i in range(6)]}))
    assert errors(base_dir) == [f"{path}: questions.kk: 'грант туралы сұрақ 0' is also a phrasing of grants.other"]


def test_duplicate_ids_and_file_name_mismatch_are_refused(base_dir: Path) -> None:
    write(base_dir, entry())
    copy = write(base_dir, entry(questions={"kk": [f"x{i}" for i in range(6)], "ru": [f"y{i}" for i in range(6)]}),
                 name="grants.copy")
    found = errors(base_dir)
    assert f"{copy}: id: 'grants.sample' differs from the file name 'grants.copy'" in found


def test_broken_yaml_names_the_file(base_dir: Path) -> None:
    path = base_dir / "entries" / "grants.broken.yaml"
    path.write_text("id: [unclosed\n", encoding="utf-8")
    found = errors(base_dir)
    assert len(found) == 1 and found[0].startswith(f"{path}: file: cannot be read as YAML")


def test_an_old_check_date_is_a_warning_not_an_error(base_dir: Path) -> None:
    path = write(base_dir, entry(checked="2024-01-01"))
    _, problems = check_base(base_dir, max_age_days=365, today=dt.date(2026, 11, 21))
    assert [(str(p), p.severity) for p in problems] == [
        (f"{path}: checked: 2024-01-01 is older than 365 days: due for review", "warning")]


def test_load_base_raises_with_every_problem(base_dir: Path) -> None:
    write(base_dir, entry(sources=[], answer={"ru": "x"}))
    with pytest.raises(KnowledgeError) as raised:
        load_base(base_dir)
    assert len(raised.value.problems) == 2


def test_an_answer_needs_a_review_date_and_an_owner(base_dir: Path) -> None:
    data = entry()
    del data["review_by"], data["owner"]
    path = write(base_dir, data)
    assert errors(base_dir) == [f"{path}: owner: missing or empty text",
                                f"{path}: review_by: missing or not a date (YYYY-MM-DD)"]


def test_a_decline_may_leave_review_and_owner_to_the_defaults(base_dir: Path) -> None:
    data = entry(action="decline", sources=[], checked="2026-02-28", link="https://egov.kz")
    del data["review_by"], data["owner"]
    write(base_dir, data)
    base, problems = check_base(base_dir, today=dt.date(2026, 11, 21))
    assert problems == []
    assert (base.by_id["grants.sample"].review_by, base.by_id["grants.sample"].owner) == (
        dt.date(2027, 2, 28), "curator")


def test_a_review_date_before_the_check_is_refused(base_dir: Path) -> None:
    path = write(base_dir, entry(review_by="2025-12-31"))
    assert errors(base_dir) == [f"{path}: review_by: 2025-12-31 is before the check on 2026-01-10"]


def test_an_overdue_review_is_listed_as_a_warning(base_dir: Path) -> None:
    path = write(base_dir, entry(review_by="2026-06-01"))
    _, problems = check_base(base_dir, today=dt.date(2026, 11, 21))
    assert [(str(p), p.severity) for p in problems] == [(f"{path}: review_by: overdue since 2026-06-01", "warning")]


def test_a_decline_without_the_page_it_sends_people_to_is_refused(base_dir: Path) -> None:
    path = write(base_dir, entry(action="decline", sources=[], link=""))
    assert errors(base_dir) == [f"{path}: link: a declined topic needs the official page it sends people to"]
