"""The matcher's shortcuts give exactly what the plain computation gives.

`decide` finishes only the candidates that can still reach the head of the ranking,
and the phrasing match calls token_set_ratio only for phrasings sharing a word with
the message. Both must leave every decision and score as it was, to the last bit.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from rapidfuzz import fuzz, process

from knowledge import Matcher, load_base
from knowledge.policy import decide

TEXTS = [json.loads(line)["text"] for line in
         (Path(__file__).parent / "regression.jsonl").read_text("utf-8").splitlines() if line.strip()]


@pytest.fixture(scope="module")
def uncached() -> Matcher:
    return Matcher(load_base(), cache_size=0)


def test_a_decision_equals_the_policy_applied_to_the_full_ranking(uncached: Matcher) -> None:
    for text in TEXTS:
        analysis, ranked = uncached.rank(text)
        lang = uncached.detector.decided(text) or "kk"
        full = decide(ranked, lang, uncached.thresholds, courtesy_only=analysis.courtesy_only)
        assert uncached.decide(text) == full, text


def test_the_phrasing_match_is_token_set_ratio_over_every_phrasing(uncached: Matcher) -> None:
    for text in TEXTS:
        analysis = uncached.analyse(text)
        if not analysis.stems:
            continue
        query = uncached._query(analysis.stems)
        for entry, phrasings in enumerate(uncached._phrasings):
            best = process.extractOne(" ".join(analysis.stems), phrasings, scorer=fuzz.token_set_ratio)
            assert uncached._phrase(entry, query) == (best[1] / 100 if best else 0.0), (text, entry)
