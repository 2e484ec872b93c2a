"""The matcher's one speed shortcut gives exactly what the plain reference ranking gives.

`decide` finishes only the candidates that can still reach the head of the ranking
(`Matcher.head`); `Matcher.ranked` scores every shortlisted entry in full.
benchmarks/README.md has the shortcut's measured worth.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from knowledge import Matcher, load_base
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
