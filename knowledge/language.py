"""Kazakh/Russian language detection for one message.

Evidence, strongest first: Kazakh letters (also when typed in Latin, which is
read into Cyrillic first), then word statistics learnt from the knowledge
base's own kk and ru texts, then hand-kept function words for everything the
base does not cover. Works on keyboard-folded text too, since the statistics
are kept on folded words.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable
from functools import lru_cache

from knowledge.lexicon import KAZAKH_FUNCTION_WORDS, RUSSIAN_FUNCTION_WORDS
from knowledge.model import Entry, Lang
from knowledge.text import CYRILLIC, KAZAKH_LETTERS, LATIN, fold, raw_tokens

_LETTER_WEIGHT = 2.5
_FUNCTION_WEIGHT = 1.5
_MAX_WORD_EVIDENCE = 2.0
_VOTE = 0.5  # a word's evidence needed to count as a vote
_WORD_CACHE = 65536  # words whose evidence is kept: a message's words mostly recur


class LanguageDetector:
    """Scores kk against ru; positive evidence means Kazakh."""

    def __init__(self, entries: Iterable[Entry]) -> None:
        counts: dict[str, Counter[str]] = {"kk": Counter(), "ru": Counter()}
        for entry in entries:
            for lang in ("kk", "ru"):
                texts = [*entry.questions.get(lang, ()), entry.answer.get(lang, ""), entry.title.get(lang, "")]
                for text in texts:
                    counts[lang].update(fold(t) for t in raw_tokens(text) if not t.isdigit())
        vocabulary = set(counts["kk"]) | set(counts["ru"])
        totals = {lang: sum(c.values()) + len(vocabulary) for lang, c in counts.items()}
        self._log_odds = {
            word: max(-_MAX_WORD_EVIDENCE, min(_MAX_WORD_EVIDENCE, math.log(
                ((counts["kk"][word] + 1) / totals["kk"]) / ((counts["ru"][word] + 1) / totals["ru"]))))
            for word in vocabulary
        }
        self._word_evidence = lru_cache(maxsize=_WORD_CACHE)(self._token_evidence)

    def _token_evidence(self, token: str) -> float:
        score = 0.0 if KAZAKH_LETTERS.isdisjoint(token) else _LETTER_WEIGHT
        folded = fold(token)
        score += self._log_odds.get(folded, 0.0)
        if folded in KAZAKH_FUNCTION_WORDS:
            score += _FUNCTION_WEIGHT
        if folded in RUSSIAN_FUNCTION_WORDS:
            score -= _FUNCTION_WEIGHT
        return score

    def evidence(self, text: str, words: list[str] | None = None) -> float:
        """Words voting Kazakh minus words voting Russian; the summed evidence breaks a tie.

        Counting words, not letters, lets the grammar of a mixed message decide: "Из кого
        состоит қоғамдық кеңес?" is Russian with a Kazakh term in it. `words` are the
        text's `raw_tokens` when the caller has read them already (the matcher does).
        """
        if words is None:
            words = raw_tokens(text)
        scores = [self._word_evidence(t) for t in words if not t.isdigit()]
        votes = sum(1 if s >= _VOTE else -1 if s <= -_VOTE else 0 for s in scores)
        return votes if votes else sum(scores) / 100

    def detect(self, text: str, default: Lang = "kk") -> Lang:
        """The message's main language.

        Without evidence either way, Latin letters mean Kazakh (Russian speakers rarely
        type in Latin), plain Cyrillic means Russian, and anything else gets `default`.
        """
        return self.decided(text) or default

    def decided(self, text: str, words: list[str] | None = None) -> Lang | None:
        """The message's language when the text itself tells, else None (`detect` falls back).

        `words`: the text's `raw_tokens`, if already read.
        """
        score = self.evidence(text, words)
        if score > 0:
            return "kk"
        if score < 0:
            return "ru"
        if LATIN.search(text.lower()):
            return "kk"
        if CYRILLIC.search(text.lower()):
            return "ru"
        return None
