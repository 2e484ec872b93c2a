"""The editor's form and the entry file: what a curator types is what the loader reads."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import yaml

from bot.curation.entry_form import by_field, field_of, from_fields, from_mapping, to_mapping
from bot.curation.publish import file_digest, review_draft, review_in_base
from bot.curation.store import to_yaml
from knowledge import Problem, load_base

KB = Path(__file__).parents[1] / "curation" / "kb"


def shipped(entry_id: str) -> dict:
    return yaml.safe_load((KB / "entries" / f"{entry_id}.yaml").read_text(encoding="utf-8"))


def posted(form_values: dict[str, str], sources: list[tuple[str, str, str]]) -> dict[str, str]:
    fields = dict(form_values)
    for row, (act, article, url) in enumerate([*sources, ("", "", "")]):
        fields |= {f"source_act_{row}": act, f"source_article_{row}": article, f"source_url_{row}": url}
    return fields


def test_an_entry_shown_in_the_form_and_posted_back_unchanged_is_the_same_entry() -> None:
    entry = shipped("grants.reporting")
    form = from_mapping(entry)
    back = to_mapping(from_fields(posted(form.values, form.sources)))
    assert back["questions"] == entry["questions"] and back["keywords"] == entry["keywords"]
    assert back["answer"] == {lang: text.rstrip() for lang, text in entry["answer"].items()}
    assert back["sources"] == [{k: v for k, v in s.items() if v} for s in entry["sources"]]
    assert back["checked"] == dt.date(2026, 11, 21) and back["review_by"] == dt.date(2027, 12, 1)
    assert back["related"] == ["social-order.reporting"] and back["owner"] == "curator"


def test_phrasings_are_one_a_line_blank_lines_dropped_and_windows_line_ends_read() -> None:
    form = from_fields({"questions_kk": "Бірінші сұрақ?\r\n\r\n  Екінші сұрақ  \r\n", "related": "a.b, c.d"})
    entry = to_mapping(form)
    assert entry["questions"] == {"kk": ["Бірінші сұрақ?", "Екінші сұрақ"], "ru": []}
    assert entry["related"] == ["a.b", "c.d"]


def test_a_date_that_is_not_one_stays_text_for_the_loader_to_name() -> None:
    entry = to_mapping(from_fields({"checked": "31.12.2026", "review_by": "2027-12-31"}))
    assert entry["checked"] == "31.12.2026" and entry["review_by"] == dt.date(2027, 12, 31)


def test_a_multi_line_answer_is_written_as_a_block_a_curator_can_read() -> None:
    entry = to_mapping(from_fields({"answer_ru": "Первая строка.\n\nВторая строка."}))
    text = to_yaml(entry)
    assert "ru: |-\n    Первая строка.\n\n    Вторая строка." in text
    assert yaml.safe_load(text)["answer"]["ru"] == "Первая строка.\n\nВторая строка."


def test_findings_land_on_the_fields_they_name() -> None:
    own = "/kb/entries/x.yaml"
    assert field_of(Problem(own, "answer.kk", "1100 characters")) == "answer_kk"
    assert field_of(Problem(own, "sources[1].url", "missing")) == "sources"
    assert field_of(Problem(own, "related[0]", "'q' is not an entry id")) == "related"
    assert field_of(Problem(own, "review_by", "overdue")) == "review_by"
    grouped = by_field([Problem(own, "questions.ru", "2 given"), Problem("/kb/entries/y.yaml", "questions.ru", "dup")],
                       own)
    assert [p.message for p in grouped["questions_ru"]] == ["2 given"] and [p.message for p in grouped[""]] == ["dup"]


def test_the_form_is_judged_by_the_loaders_own_rules(tmp_path: Path) -> None:
    entry = shipped("grants.reporting") | {"id": "grants.new-one"}
    broken = entry | {"questions": {"kk": ["Жаңа сұрақ"], "ru": entry["questions"]["ru"]},
                      "answer": {"kk": "қысқа", "ru": "x" * 1100}}
    _, problems = review_draft(KB, to_yaml(to_mapping(from_mapping(broken))), 365)
    found = {(field_of(p), p.message) for p in problems if p.severity == "error"}
    assert found == {("questions_kk", "1 given, at least 6 needed"),
                     ("answer_ru", "1100 characters, the limit is 1024")}
    _, problems = review_draft(KB, to_yaml(to_mapping(from_mapping(entry))), 365)  # whole, but every phrasing taken
    shared = by_field(problems, str(KB / "entries" / "grants.new-one.yaml"))[""]  # told on the other file
    assert shared and all("is also a phrasing of grants.new-one" in p.message for p in shared)
    assert {p.file for p in shared} == {str(KB / "entries" / "grants.reporting.yaml")}


def test_the_editors_quick_review_finds_what_the_folders_full_check_finds() -> None:
    base = load_base(KB)
    entry = shipped("grants.reporting")
    drafts = [  # broken in its own fields, then whole but sharing phrasings, then a clean revision
        entry | {"id": "grants.new-one", "questions": {"kk": ["Жаңа сұрақ"], "ru": entry["questions"]["ru"]},
                 "answer": {"kk": "қысқа", "ru": "x" * 1100}, "related": ["nothing.here"]},
        entry | {"id": "grants.new-one"},
        entry | {"owner": "Айгүл", "review_by": dt.date(2020, 1, 1)},
    ]
    for n, data in enumerate(drafts):
        revises = "grants.reporting" if data["id"] == "grants.reporting" else ""
        digest = file_digest(KB / "entries" / "grants.reporting.yaml") if revises else ""
        body = to_yaml(data)
        full = review_draft(KB, body, 365, revises, digest)[1]
        quick = review_in_base(KB, body, base, 365, revises, digest)[1]
        assert sorted(map(str, quick)) == sorted(map(str, full)), n
