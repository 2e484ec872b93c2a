"""The matcher: an in-memory index built once, and pure, fast matching.

Two stages. Retrieval: query stems are looked up in an inverted index of
entry stems (exact, prefix or typo-tolerant), weighted by rarity (IDF); the
share of the query an entry explains is its coverage. Words the base has
never seen still count in the denominator, so a question about the weather
that mentions "grant" explains little. Re-ranking: the best candidates are
compared phrasing by phrasing with rapidfuzz's token_set_ratio, and a bonus
is given for the entry's keywords found whole in the message.
"""

from __future__ import annotations

import bisect
import heapq
import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, replace
from functools import lru_cache

from rapidfuzz import fuzz, process

from knowledge.concepts import CONCEPT_MARK, Concepts
from knowledge.language import LanguageDetector
from knowledge.lexicon import STOP_WORDS
from knowledge.model import LANGS, Action, Entry, KnowledgeBase, Lang
from knowledge.policy import Decision, Scored, Thresholds, decide
from knowledge.stem import MIN_STEM, stem
from knowledge.text import tokens

COVERAGE_WEIGHT = 0.4
FIT_WEIGHT = 0.35
PHRASE_WEIGHT = 0.25
KEYWORD_BONUS = 0.08
MAX_KEYWORD_BONUS = 0.16
RERANK_LIMIT = 10
CANDIDATE_LIMIT = 60
TYPO_MIN_LENGTH = 5
TYPO_CUTOFF = 80.0
PREFIX_MIN_LENGTH = 5
PREFIX_SIMILARITY = 0.85
STATE_PREFIX = "гос"
EVIDENCE_FULL = 4.0  # IDF mass of matched words at which a match counts in full
EVIDENCE_POWER = 0.5
CACHE_SIZE = 4096  # decisions kept by exact message text


def content_stems(text: str) -> list[str]:
    """The stems that carry meaning: folded tokens without stop words; numbers of 3+ digits
    stay, since form and law numbers ("910", "1414") tell topics apart."""
    return [stem(t) for t in tokens(text)
            if t not in STOP_WORDS and (len(t) >= 3 if t.isdigit() else len(t) > 1)]


@dataclass(frozen=True)
class _Phrasing:
    entry: int
    key: str  # stems joined by spaces


@dataclass(frozen=True)
class Analysis:
    """How one message was read: its stems and what each resolved to."""

    stems: tuple[str, ...]
    courtesy_only: bool


class Matcher:
    """Ranks knowledge entries for a message and applies the decision policy."""

    def __init__(self, base: KnowledgeBase, thresholds: Thresholds | None = None, *,
                 cache_size: int = CACHE_SIZE) -> None:
        self.base = base
        # Bounded LRU of readings by exact text; 0 turns it off.
        self._read = lru_cache(maxsize=cache_size)(self._read_uncached) if cache_size else self._read_uncached
        self.thresholds = thresholds or Thresholds()
        self.detector = LanguageDetector(base.entries)
        self._concepts = Concepts(base.synonyms, content_stems)
        self._entries: list[Entry] = list(base.entries)
        self._terms: list[frozenset[str]] = []
        self._keywords: list[tuple[frozenset[str], ...]] = []
        self._phrasings: list[list[str]] = []
        self._phrasing_terms: list[list[frozenset[str]]] = []
        postings: dict[str, set[int]] = defaultdict(set)
        for index, entry in enumerate(self._entries):
            texts = [q for lang in LANGS for q in entry.questions.get(lang, ())]
            texts += [entry.title.get(lang, "") for lang in LANGS]
            keywords = [k for lang in LANGS for k in entry.keywords.get(lang, ())]
            keyword_stems = tuple(frozenset(self._stems(k)) for k in keywords if self._stems(k))
            terms = {s for text in [*texts, *keywords] for s in self._stems(text)}
            self._terms.append(frozenset(terms))
            self._keywords.append(keyword_stems)
            self._phrasings.append(sorted({" ".join(self._stems(t)) for t in texts} - {""}))
            self._phrasing_terms.append([frozenset(p.split()) for p in self._phrasings[-1]])
            for term in terms:
                postings[term].add(index)
        total = len(self._entries)
        self._postings = {t: tuple(sorted(ix)) for t, ix in postings.items()}
        self._idf = {t: math.log((total + 1) / (len(ix) + 0.5)) for t, ix in postings.items()}
        self._phrasing_weight: list[list[float]] = [
            [sum(self._idf[t] for t in terms) for terms in phrasings] for phrasings in self._phrasing_terms]
        self._phrasings_with: list[dict[str, tuple[int, ...]]] = []
        for phrasings in self._phrasing_terms:
            where: dict[str, list[int]] = defaultdict(list)
            for i, terms in enumerate(phrasings):
                for term in terms:
                    where[term].append(i)
            self._phrasings_with.append({t: tuple(ix) for t, ix in where.items()})
        self._unknown_idf = math.log((total + 1) / 0.5)
        self._vocabulary = sorted(self._postings)
        self._by_shape: dict[tuple[str, int], list[str]] = defaultdict(list)
        for term in self._vocabulary:
            self._by_shape[term[0], len(term)].append(term)
        smalltalk = {i for i, e in enumerate(self._entries) if e.action is Action.SMALLTALK}
        # Courtesy words: mostly found in the small-talk entries ("сәлем", "спасибо").
        self._courtesy = frozenset(
            t for t, ix in self._postings.items() if 2 * len(smalltalk.intersection(ix)) >= len(ix))
        self._resolve = lru_cache(maxsize=16384)(self._resolve_uncached)

    def _stems(self, text: str) -> list[str]:
        return self._concepts.apply(content_stems(text))

    # -- retrieval -------------------------------------------------------
    def _resolve_uncached(self, query_stem: str) -> tuple[tuple[str, float], ...]:
        """Vocabulary terms a query stem stands for, with a similarity in 0..1."""
        if query_stem in self._postings:
            return ((query_stem, 1.0),)
        if query_stem.startswith(CONCEPT_MARK):
            return ()
        found: dict[str, float] = {}
        if query_stem.startswith(STATE_PREFIX) and query_stem[len(STATE_PREFIX):] in self._postings:
            found[query_stem[len(STATE_PREFIX):]] = 1.0  # госгрант = грант, госорган = орган
        if len(query_stem) >= PREFIX_MIN_LENGTH:
            start = bisect.bisect_left(self._vocabulary, query_stem)
            for term in self._vocabulary[start:start + 5]:
                if term.startswith(query_stem) and len(term) - len(query_stem) <= 3:
                    found[term] = PREFIX_SIMILARITY
            for cut in range(len(query_stem) - 1, MIN_STEM - 1, -1):
                if len(query_stem) - cut > (3 if cut >= PREFIX_MIN_LENGTH else 1):
                    break
                if query_stem[:cut] in self._postings:
                    found.setdefault(query_stem[:cut], PREFIX_SIMILARITY)
        if len(query_stem) >= TYPO_MIN_LENGTH:  # typos keep the first letter and about the length
            size = len(query_stem)
            bucket = [t for n in range(size - 2, size + 3) for t in self._by_shape.get((query_stem[0], n), ())]
            for term, score, _ in process.extract(query_stem, bucket, scorer=fuzz.ratio,
                                                  score_cutoff=TYPO_CUTOFF, limit=3):
                found[term] = max(found.get(term, 0.0), (score / 100) ** 2)  # a guess counts for less
        return tuple(found.items())

    def _is_courtesy(self, query_stem: str) -> bool:
        return query_stem in self._courtesy or any(t in self._courtesy for t, _ in self._resolve(query_stem))

    def analyse(self, text: str) -> Analysis:
        """Split courtesy (greetings, thanks) from the question itself.

        A message of courtesy words plus at most one other known word ("Сәлем, бот!")
        is small talk; otherwise the courtesy words are dropped and the rest is matched.
        """
        stems = self._stems(text)
        topical = [s for s in stems if not self._is_courtesy(s)]
        if len(topical) < len(stems):
            known = [s for s in topical if s.startswith(CONCEPT_MARK) or self._resolve(s)]
            if len(known) <= 1 and not any(s.startswith(CONCEPT_MARK) for s in known):
                return Analysis(tuple(stems), courtesy_only=True)
        return Analysis(tuple(topical), courtesy_only=False)

    def _query_terms(self, stems: Iterable[str]) -> tuple[dict[str, float], dict[str, float]]:
        """Weight of each query stem, and the best similarity of each vocabulary term it reached."""
        weights: dict[str, float] = {}
        reached: dict[str, float] = {}
        for query_stem in dict.fromkeys(stems):
            matches = self._resolve(query_stem)
            weights[query_stem] = max((self._idf[t] for t, _ in matches), default=self._unknown_idf)
            for term, similarity in matches:
                reached[term] = max(reached.get(term, 0.0), similarity)
        return weights, reached

    def _coverage(self, weights: dict[str, float]) -> dict[int, float]:
        """Share of the query's weight each candidate entry explains (all phrasings and keywords).

        Candidates come from the postings of the rarest query words first, up to
        CANDIDATE_LIMIT entries: a word found in every other entry cannot pick a topic.
        """
        resolved = {q: self._resolve(q) for q in weights}
        terms = sorted({t for matches in resolved.values() for t, _ in matches},
                       key=lambda t: len(self._postings[t]))
        candidates: set[int] = set()
        for term in terms:
            if len(candidates) >= CANDIDATE_LIMIT:
                break
            candidates.update(self._postings[term][:CANDIDATE_LIMIT])
        total = sum(weights.values())
        if not total:
            return {}
        coverage = {}
        for entry in candidates:  # plain loops: this runs for every candidate of every message
            entry_terms = self._terms[entry]
            gained = 0.0
            for query_stem, weight in weights.items():
                best = 0.0
                for term, similarity in resolved[query_stem]:
                    if similarity > best and term in entry_terms:
                        best = similarity
                gained += weight * best
            coverage[entry] = gained / total
        return coverage

    @staticmethod
    def _evidence(coverage: float, weights: dict[str, float]) -> float:
        """How much the entry's match rests on: one common word is not enough to be sure."""
        return min(1.0, coverage * sum(weights.values()) / EVIDENCE_FULL)

    def _phrasing_fit(self, entry: int, weights: dict[str, float], reached: dict[str, float]) -> float:
        """Best balanced overlap (F-measure, IDF-weighted) between the query and one phrasing."""
        where = self._phrasings_with[entry]
        hit: dict[int, float] = defaultdict(float)  # phrasing -> weight of its words the query has
        query_hit: dict[int, float] = defaultdict(float)  # phrasing -> weight of query words it has
        for term, similarity in reached.items():
            for phrasing in where.get(term, ()):
                hit[phrasing] += self._idf[term] * similarity
        for query_stem, weight in weights.items():
            touched = {p for term, _ in self._resolve(query_stem) for p in where.get(term, ())}
            for phrasing in touched:
                query_hit[phrasing] += weight
        total_query = sum(weights.values())
        best = 0.0
        for phrasing, hit_weight in hit.items():
            precision = hit_weight / self._phrasing_weight[entry][phrasing]
            recall = query_hit[phrasing] / total_query
            if precision + recall:
                best = max(best, 2 * precision * recall / (precision + recall))
        return best

    # -- re-ranking ------------------------------------------------------
    def _keyword_bonus(self, entry: int, reached: dict[str, float]) -> float:
        found = reached.keys()
        hits = sum(1 for keyword in self._keywords[entry] if found >= keyword)
        return min(MAX_KEYWORD_BONUS, KEYWORD_BONUS * hits)

    def rank(self, text: str) -> tuple[Analysis, list[Scored]]:
        """All plausible entries, best first, with scores in 0..1."""
        analysis = self.analyse(text)
        if not analysis.stems:
            return analysis, []
        weights, reached = self._query_terms(analysis.stems)
        coverage = self._coverage(weights)
        if analysis.courtesy_only:  # only the small-talk entries compete
            coverage = {e: v for e, v in coverage.items() if self._entries[e].action is Action.SMALLTALK}
        shortlist = heapq.nlargest(RERANK_LIMIT, coverage, key=coverage.__getitem__)
        query_key = " ".join(analysis.stems)
        scored = []
        for entry in shortlist:
            best = process.extractOne(query_key, self._phrasings[entry], scorer=fuzz.token_set_ratio)
            phrase = best[1] / 100 if best else 0.0
            fit = self._phrasing_fit(entry, weights, reached)
            value = COVERAGE_WEIGHT * coverage[entry] + FIT_WEIGHT * fit + PHRASE_WEIGHT * phrase
            value = min(1.0, value + self._keyword_bonus(entry, reached))
            value *= self._evidence(coverage[entry], weights) ** EVIDENCE_POWER
            scored.append(Scored(self._entries[entry], value))
        scored.sort(key=lambda s: s.score, reverse=True)
        return analysis, scored

    def decide(self, text: str, default_lang: Lang = "kk") -> Decision:
        """Read one message and decide: answer, clarify, fallback, smalltalk or escalate.

        Pure for a given base and thresholds, so the last `cache_size` texts' readings
        are kept (people ask the same things); `default_lang` only labels a message
        whose language the text does not tell.
        """
        decided, decision = self._read(text)
        if decided is None and decision.lang != default_lang:
            return replace(decision, lang=default_lang)
        return decision

    def _read_uncached(self, text: str) -> tuple[Lang | None, Decision]:
        decided = self.detector.decided(text)
        analysis, ranked = self.rank(text)
        return decided, decide(ranked, decided or "kk", self.thresholds, courtesy_only=analysis.courtesy_only)
