"""How a shortlisted entry's score is put together, shared by the reference ranking
(`Matcher.ranked`) and its shortcut (`Head`), so both add the same parts in the same order."""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from knowledge.index import Matches

COVERAGE_WEIGHT = 0.4
FIT_WEIGHT = 0.35
PHRASE_WEIGHT = 0.25
KEYWORD_BONUS = 0.08
MAX_KEYWORD_BONUS = 0.16
RERANK_LIMIT = 10
CANDIDATE_LIMIT = 60
EVIDENCE_FULL = 4.0  # IDF mass of matched words at which a match counts in full
EVIDENCE_POWER = 0.5


@dataclass(frozen=True)
class Query:
    """A message's stems resolved once, shared by the scoring of every candidate."""

    key: str  # the stems joined, as token_set_ratio reads the message
    weights: dict[str, float]  # distinct stem -> IDF weight
    matches: dict[str, Matches]  # distinct stem -> the vocabulary terms it stands for
    reached: dict[str, float]  # vocabulary term -> best similarity of a stem reaching it
    total: float  # sum of the weights


class Candidate(NamedTuple):
    """A shortlisted entry with every part of its score but the phrasing match."""

    entry: int
    answerable: bool  # its action is ANSWER
    known: float  # weighted coverage and fit, and the keyword bonus
    confidence: float  # damping by evidence: one common word is not enough to be sure

    @classmethod
    def of(cls, entry: int, answerable: bool, coverage: float, fit: float, bonus: float,
           total: float) -> Candidate:
        """`total`: the message's weight (`Query.total`), the evidence's scale."""
        return cls(entry, answerable, known(coverage, fit, bonus), confidence(coverage, total))

    def score(self, phrase: float) -> float:
        return score(self.known, phrase, self.confidence)

    def bound(self) -> float:
        """The highest score the phrasing match could give."""
        return bound(self.known, self.confidence)


def known(coverage: float, fit: float, bonus: float) -> float:
    """The parts of a score known before the phrasing match."""
    return COVERAGE_WEIGHT * coverage + FIT_WEIGHT * fit + bonus


def confidence(coverage: float, total: float) -> float:
    """Damping by evidence, the IDF mass of the message (weight `total`) an entry explains."""
    evidence = min(1.0, coverage * total / EVIDENCE_FULL)
    return evidence ** EVIDENCE_POWER


def score(known: float, phrase: float, confidence: float) -> float:
    return min(1.0, known + PHRASE_WEIGHT * phrase) * confidence


def bound(known: float, confidence: float) -> float:
    """`score` with the best phrasing match (1.0)."""
    return min(1.0, known + PHRASE_WEIGHT) * confidence


def keyword_bonus(hits: int) -> float:
    """KEYWORD_BONUS for each keyword whose every stem the message reached, up to a cap."""
    return min(MAX_KEYWORD_BONUS, KEYWORD_BONUS * hits)
