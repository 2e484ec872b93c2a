"""The matcher's speed shortcuts give exactly what the plain reference computation gives.

Two shortcuts are kept (benchmarks/README.md has their measured worth): the phrasing
match runs token_set_ratio only on phrasings sharing a word with the message, and
`decide` finishes only the candidates that can still reach the head of the ranking.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from knowledge import Matcher, load_base
from knowledge.matcher import reference_phrase
from knowledge.policy import decide

HERE = Path(__file__).parent


def texts() -> list[str]:
    """Our labelled messages, and each with its words reversed (other overlaps, other ties)."""
    found = [json.loads(line)["text"] for name in ("regression.jsonl", "unseen.jsonl")
             for line in (HERE / name).read_text("utf-8").splitlines() if line.strip()]
    return found + [" ".join(reversed(text.split())) for text in found]


@pytest.fixture(scope="module")
def uncached() -> Matcher:
    return Matcher(load_base(), cache_size=0)


def test_the_phrasing_match_is_token_set_ratio_over_every_phrasing(uncached: Matcher) -> None:
    for text in texts():
        analysis = uncached.analyse(text)
        if not analysis.stems:
            continue
        query = uncached.query(analysis.stems)
        for entry, phrasings in enumerate(uncached.index.phrasings):
            assert uncached.phrase(entry, query) == pytest.approx(reference_phrase(query, phrasings), abs=1e-12)


def test_the_head_holds_the_two_best_and_the_first_three_answerable_of_the_full_ranking(uncached: Matcher) -> None:
    for text in texts():
        analysis, ranked = uncached.rank(text)
        head = uncached.head(analysis)
        assert [(s.entry.id, s.score) for s in head[:2]] == [(s.entry.id, s.score) for s in ranked[:2]], text
        answerable = [(s.entry.id, s.score) for s in ranked if s.entry.action == "answer"][:3]
        assert [(s.entry.id, s.score) for s in head if s.entry.action == "answer"][:3] == answerable, text


def test_a_decision_equals_the_policy_applied_to_the_full_ranking(uncached: Matcher) -> None:
    for text in texts():
        analysis, ranked = uncached.rank(text)
        lang = uncached.detector.decided(text) or "kk"
        assert uncached.decide(text) == decide(ranked, lang, uncached.thresholds,
                                               courtesy_only=analysis.courtesy_only), text
