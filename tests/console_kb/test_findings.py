"""The loader's findings read in the console's language: every sentence it can give a curator is known."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.console.findings import finding
from bot.curation.publish import review_draft
from bot.curation.store import to_yaml
from handlers import Translator
from knowledge import Problem

KB = Path(__file__).parents[1] / "curation" / "kb"
BROKEN = {  # every field wrong in its own way
    "id": "grants.reporting-2", "category": "nowhere", "action": "answer",
    "title": {"kk": "Есеп"}, "questions": {"kk": ["a"], "ru": "not a list"}, "keywords": "none",
    "answer": {"kk": "x" * 1100 + " {{mci:x}}", "ru": "y" * 950}, "link": "ftp://x",
    "sources": [{"article": "1"}, {"act": "Закон", "url": "adilet"}], "checked": "2999-01-01",
    "review_by": "2020-01-01", "owner": "", "related": ["grants.reporting-2", "nothing.here"],
}


@pytest.mark.parametrize("lang", ["kk", "ru"])
def test_each_finding_on_a_broken_draft_is_said_in_the_readers_language(lang: str) -> None:
    _, problems = review_draft(KB, to_yaml(BROKEN), 365)
    assert len({p.message for p in problems}) >= 12
    _ = Translator()(lang)
    for problem in problems:
        said = finding(problem, _)
        assert said.startswith(f"{problem.field}: ") and said != f"{problem.field}: {problem.message}", said


def test_the_cross_checks_and_refusals_are_translated_with_their_values() -> None:
    _ = Translator()("ru")
    assert finding(Problem("f", "questions.kk", "'Грант?' is also a phrasing of grants.what-is"), _) == \
        "questions.kk: 'Грант?' — это и формулировка записи grants.what-is"
    assert finding(Problem("f", "id", "a revision of 'grants.what-is' keeps its id"), _) == \
        "id: при правке 'grants.what-is' идентификатор не меняется"
    assert finding(Problem("f", "answer.kk", "'{{x}}' is not an MCI amount: write {{mci:N}}, N a whole number"),
                   _) == "answer.kk: '{{x}}' — не сумма в МРП: пишите {{mci:N}}, N — целое число"


def test_a_sentence_no_pattern_knows_is_shown_as_the_loader_wrote_it() -> None:
    assert finding(Problem("f", "x", "a brand-new rule"), Translator()("kk")) == "x: a brand-new rule"
