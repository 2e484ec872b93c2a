""""What would the desk answer?": the running desk's matcher asked without touching its figures.

The probe reads the same base, index and thresholds the desk serves with at
this moment (after a reload too), through a plain matcher sharing that index:
the desk's decision metrics and decision cache are not disturbed by a curator's
searches.
"""

from __future__ import annotations

from dataclasses import dataclass

from handlers.desk import MAX_MATCHED_CHARS
from knowledge import Matcher
from knowledge.model import Entry

CANDIDATES = 5


@dataclass(frozen=True)
class Candidate:
    entry: Entry
    score: float


@dataclass(frozen=True)
class Probe:
    text: str
    decision: str  # answer | clarify | fallback | smalltalk | escalate
    lang: str
    score: float
    entry: Entry | None  # what the desk would send (or decline with)
    candidates: tuple[Candidate, ...]  # the best-ranked entries and their scores


def probe(live: Matcher, text: str, default_lang: str = "kk") -> Probe:
    """The desk's decision on `text` and the entries it weighed, best first."""
    matcher = Matcher(live.base, live.thresholds, cache_size=0, index=live.index)
    matched = text.strip()[:MAX_MATCHED_CHARS]
    decision = matcher.decide(matched, default_lang=default_lang)  # type: ignore[arg-type]
    _, ranked = matcher.rank(matched)
    candidates = tuple(Candidate(s.entry, round(s.score, 4)) for s in ranked[:CANDIDATES])
    return Probe(matched, decision.kind.value, decision.lang, decision.score, decision.entry, candidates)
