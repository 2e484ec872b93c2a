"""Answer quality on our own labelled set of real-style messages (tests/knowledge/regression.jsonl).

The set was written independently of the knowledge base's phrasings: typos, Kazakh without
Kazakh letters, Latin script, mixed languages, long messages, abbreviations, and out-of-scope
neighbours. The floors below are what the desk must keep; raise them as it improves.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from knowledge import DecisionKind, Matcher

CASES = [json.loads(line) for line in (Path(__file__).parent / "regression.jsonl").read_text("utf-8").splitlines()
         if line.strip()]


@pytest.fixture(scope="module")
def outcomes(matcher: Matcher) -> Counter[str]:
    tally: Counter[str] = Counter()
    for case in CASES:
        decision = matcher.decide(case["text"])
        action = case["action"]
        if action != "none":
            tally["lang_total"] += 1
            tally["lang_ok"] += decision.lang == case["lang"]
        if action == "answer":
            tally["in"] += 1
            if decision.kind is DecisionKind.ANSWER:
                tally["correct" if decision.intent == case["expect"] else "wrong"] += 1
        elif action == "none":
            tally["oos"] += 1
            tally["oos_answered"] += decision.kind is DecisionKind.ANSWER
        else:
            tally[action] += 1
            tally[f"{action}_ok"] += decision.kind.value == action and decision.intent == case["expect"]
    return tally


def test_most_in_scope_questions_get_the_right_answer(outcomes: Counter[str]) -> None:
    assert outcomes["correct"] / outcomes["in"] >= 0.90


def test_confident_wrong_answers_stay_rare(outcomes: Counter[str]) -> None:
    assert outcomes["wrong"] / outcomes["in"] <= 0.02


def test_out_of_scope_neighbours_are_almost_never_answered(outcomes: Counter[str]) -> None:
    assert outcomes["oos_answered"] / outcomes["oos"] <= 0.03


def test_language_is_detected(outcomes: Counter[str]) -> None:
    assert outcomes["lang_ok"] / outcomes["lang_total"] >= 0.97


@pytest.mark.parametrize("action", ["escalate", "smalltalk"])
def test_requests_for_a_person_and_small_talk_are_recognised(outcomes: Counter[str], action: str) -> None:
    assert outcomes[f"{action}_ok"] / outcomes[action] >= 0.9
