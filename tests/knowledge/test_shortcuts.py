"""The matcher's speed shortcut gives exactly what the plain reference ranking gives.

`decide` reads `Matcher.shortcut` (knowledge/shortcut.py): it finishes only the candidates that
can still reach the head of the ranking, scores plain messages (each stem one vocabulary term)
in one pass, and reads per-entry structures the index prepared. `Matcher.ranked` scores every
shortlisted entry in full with the reference parts. Each part of the shortcut is held equal to
its reference part, to the last bit of the float, on many messages: our labelled sets and each
reversed, the base's own phrasings in both languages with and without typos, and long messages
whose question is wrapped in context. benchmarks/README.md has the shortcut's measured worth.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from knowledge import Matcher, load_base
from knowledge.model import LANGS
from knowledge.policy import decide
from knowledge.scoring import keyword_bonus

HERE = Path(__file__).parent
PHRASINGS = 300  # of the base's, drawn at random (seeded) in each language
CONTEXT = {  # sentences that ask nothing, around a question
    "ru": "Здравствуйте, мы общественный фонд из Семея, работаем с молодежью и волонтерами уже пять лет.",
    "kk": "Сәлеметсіз бе, біз Семей қаласындағы қоғамдық қормыз, жастармен және еріктілермен бес жыл жұмыс істейміз.",
}


def typo(text: str, rng: random.Random) -> str:
    chars = list(text)
    for _ in range(2):
        chars[rng.randrange(len(chars))] = rng.choice("абвгдеиклмнопрстуәіқңөұүһ")
    return "".join(chars)


def texts() -> list[str]:
    """Our labelled messages and each reversed (other overlaps, other ties); phrasings of the base,
    as written, with two typos and wrapped in a long message with context."""
    found = [json.loads(line)["text"] for name in ("regression.jsonl", "unseen.jsonl")
             for line in (HERE / name).read_text("utf-8").splitlines() if line.strip()]
    found += [" ".join(reversed(text.split())) for text in found]
    rng = random.Random(13)
    base = load_base()
    for lang in LANGS:
        phrasings = rng.sample([q for e in base.entries for q in e.questions[lang]], PHRASINGS)
        found += phrasings + [typo(q, rng) for q in phrasings]
        found += [f"{CONTEXT[lang]} {q} {CONTEXT[lang]}" for q in phrasings[:PHRASINGS // 3]]
    return found


@pytest.fixture(scope="module")
def uncached() -> Matcher:
    return Matcher(load_base(), cache_size=0)


@pytest.fixture(scope="module")
def messages() -> list[str]:
    return texts()


def test_the_messages_take_every_path_of_the_shortcut(uncached: Matcher, messages: list[str]) -> None:
    """Plain messages with whole words, plain ones with typos or context, and the rest; and
    messages with the very words of a phrasing."""
    queries = [uncached.query(a) for a in map(uncached.analyse, messages) if a.stems]
    plains = [uncached.shortcut.plain(q) for q in queries]
    assert sum(p is None for p in plains) > 50
    assert sum(p is not None and p.exact for p in plains) > 500
    assert sum(p is not None and not p.exact for p in plains) > 200
    word_sets = set().union(*uncached.index.word_sets)
    assert sum(frozenset(q.key.split()) in word_sets for q in queries) > 300


def test_each_part_of_a_score_equals_the_reference_part(uncached: Matcher, messages: list[str]) -> None:
    shortcut = uncached.shortcut
    for text in messages:
        analysis = uncached.analyse(text)
        if not analysis.stems:
            continue
        query, candidates = uncached.shortlist(analysis)
        plain = shortcut.plain(query)
        if plain is not None:
            assert shortcut.coverage(query, plain) == uncached.coverage(query), text
        reached, words = query.reached.keys(), frozenset(query.key.split())
        for entry in (c.entry for c in candidates):
            assert shortcut.fit(entry, query, plain) == uncached.fit(entry, query), text
            assert keyword_bonus(shortcut.keyword_hits(entry, reached)) == uncached.keyword_bonus(entry, query), text
            assert shortcut.phrase(entry, query, words) == uncached.phrase(entry, query), text


def test_the_head_holds_the_two_best_and_the_first_three_answerable_of_the_full_ranking(
        uncached: Matcher, messages: list[str]) -> None:
    for text in messages:
        analysis, ranked = uncached.rank(text)
        head = uncached.shortcut.head(analysis)
        assert [(s.entry.id, s.score) for s in head[:2]] == [(s.entry.id, s.score) for s in ranked[:2]], text
        answerable = [(s.entry.id, s.score) for s in ranked if s.entry.action == "answer"][:3]
        assert [(s.entry.id, s.score) for s in head if s.entry.action == "answer"][:3] == answerable, text


def test_a_decision_equals_the_policy_applied_to_the_full_ranking(uncached: Matcher, messages: list[str]) -> None:
    for text in messages:
        analysis, ranked = uncached.rank(text)
        lang = uncached.detector.decided(text) or "kk"
        assert uncached.decide(text) == decide(ranked, lang, uncached.thresholds,
                                               courtesy_only=analysis.courtesy_only), text
