"""The matcher: an in-memory index built once, and pure, fast matching.

Two stages. Retrieval: query stems are looked up in an inverted index of
entry stems (exact, prefix or typo-tolerant), weighted by rarity (IDF); the
share of the query an entry explains is its coverage. Words the base has
never seen still count in the denominator, so a question about the weather
that mentions "grant" explains little. Re-ranking: the best candidates are
compared phrasing by phrasing with rapidfuzz's token_set_ratio, and a bonus
is given for the entry's keywords found whole in the message.

Each message is tokenised once (language detection and matching share the
words) and its terms are resolved once (`_Query`); what depends only on the
base (phrasing weights, sorted phrasing words, posting sets) is worked out
when the index is built.
"""

from __future__ import annotations

import bisect
import heapq
import math
from collections import defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import NamedTuple

from rapidfuzz import fuzz, process
from rapidfuzz.distance import Indel

from knowledge.concepts import CONCEPT_MARK, Concepts
from knowledge.language import LanguageDetector
from knowledge.lexicon import STOP_WORDS
from knowledge.model import LANGS, Action, Entry, KnowledgeBase, Lang
from knowledge.policy import Decision, Scored, Thresholds, decide
from knowledge.stem import MIN_STEM, stem
from knowledge.text import fold, raw_tokens

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
SATURATION_MARGIN = 1e-9  # phrasing match kept above the point where a score reaches its cap (rounding)
CACHE_SIZE = 4096  # decisions kept by exact message text
WORD_CACHE = 65536  # words whose stem is kept: messages mostly reuse the same words


@lru_cache(maxsize=WORD_CACHE)
def _content_stem(word: str) -> str:
    """The stem of one raw token, or "" when it carries no meaning (see `content_stems`)."""
    token = fold(word)
    if token in STOP_WORDS or not (len(token) >= 3 if token.isdigit() else len(token) > 1):
        return ""
    return stem(token)


def word_stems(words: Iterable[str]) -> list[str]:
    """`content_stems` of text already split by `raw_tokens`."""
    return [s for s in map(_content_stem, words) if s]


def content_stems(text: str) -> list[str]:
    """The stems that carry meaning: folded tokens without stop words; numbers of 3+ digits
    stay, since form and law numbers ("910", "1414") tell topics apart."""
    return word_stems(raw_tokens(text))


def _f_measure(precision: float, recall: float) -> float:
    """Their harmonic mean; both are above 0 (every gain and weight is)."""
    return 2 * precision * recall / (precision + recall)


def _apart_ratio(query: str, phrasing: str) -> float:
    """token_set_ratio of two sorted word lists with no word in common, computed as rapidfuzz
    does (100 - 100 * distance / length sum), to the last bit."""
    return 100 - 100 * Indel.distance(query, phrasing) / (len(query) + len(phrasing))


@dataclass(frozen=True)
class Analysis:
    """How one message was read: its stems and what each resolved to."""

    stems: tuple[str, ...]
    courtesy_only: bool


class _OneByte(dict[int, int]):
    """A `str.translate` table putting the base's letters on one-byte code points.

    Only for Indel distances, which merely compare characters: rapidfuzz matches one-byte
    strings faster than Cyrillic ones. A letter the base lacks becomes NUL, which matches
    nothing in the base's texts either, so every distance stays what it was.
    """

    def __init__(self, texts: Iterable[str]) -> None:
        letters = sorted({ch for text in texts for ch in text} - {" "})
        codes = [code for code in range(1, 256) if code != ord(" ")]
        super().__init__(zip(map(ord, letters), codes, strict=False) if len(letters) <= len(codes) else ())
        if self:
            self[ord(" ")] = ord(" ")

    def __missing__(self, code: int) -> int:
        return 0 if self else code


class _Reading(NamedTuple):
    """What one query stem stands for, worked out once per distinct stem (most messages reuse them)."""

    matches: tuple[tuple[str, float], ...]  # vocabulary terms, similarity in 0..1
    weight: float  # IDF of its rarest match; an unknown word's IDF if none
    literal: bool  # the stem is a vocabulary term itself, or unknown (no prefix or typo guesses)
    courtesy: bool  # a greeting or thanks (see `Matcher.analyse`)


class _Query(NamedTuple):
    """A message's stems resolved once, shared by the scoring of every candidate."""

    key: str  # stems joined by spaces, as token_set_ratio reads the query
    sorted_key: str  # distinct stems sorted: the query as token_set_ratio compares it
    apart_key: str  # sorted_key in `_OneByte` letters: the query as `_phrase` compares it with plain ratio
    words: frozenset[str]  # distinct stems
    weights: dict[str, float]  # stem -> IDF weight
    total: float  # sum of the weights
    resolved: dict[str, tuple[tuple[str, float], ...]]  # stem -> vocabulary terms, similarity
    gains: tuple[tuple[str, float], ...]  # reached term -> IDF * best similarity
    found: frozenset[str]  # every vocabulary term reached
    literal: bool  # each stem is a vocabulary term itself or unknown (no prefix or typo guesses)


class _Candidate(NamedTuple):
    """A shortlisted entry with every part of its score but the phrasing match
    (a named tuple: ten are made for every message)."""

    entry: int
    answerable: bool  # its action is ANSWER
    known: float  # weighted coverage and fit
    bonus: float  # keyword bonus
    confidence: float  # evidence ** EVIDENCE_POWER
    sharing: Collection[int] | None  # its phrasings with a query word, when the fit found them (else None)

    def score(self, phrase: float) -> float:
        return min(1.0, self.known + PHRASE_WEIGHT * phrase + self.bonus) * self.confidence

    def saturation(self) -> float:
        """A phrasing match from which `score` is capped at 1 * confidence, so that the exact
        match above it does not matter (the margin keeps clear of rounding)."""
        return (1.0 - self.known - self.bonus) / PHRASE_WEIGHT + SATURATION_MARGIN


def _settled(best: list[float], answers: list[float], bound: float, answer_bound: float) -> bool:
    """True when no waiting candidate, even at its bound, could be one of the two best or of the
    first three answerable (ties included: they would need an exact order).

    `best` and `answers`: the finished scores (all, answerable), best first; `bound` and
    `answer_bound`: the highest bound of a waiting candidate (any, answerable; -inf if none).
    """
    second = best[1] if len(best) >= 2 else -math.inf
    third_answer = answers[2] if len(answers) >= 3 else -math.inf
    return bound < second and answer_bound < third_answer


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
        self._answerable = [e.action is Action.ANSWER for e in self._entries]  # entry -> action is ANSWER
        # Per entry: each keyword's stem set, filed under one of its stems (any would do: a keyword
        # is whole in a message only if that stem was found); a keyword listed twice counts twice.
        self._keywords: list[dict[str, tuple[frozenset[str], ...]]] = []
        self._phrasings: list[list[str]] = []
        self._phrasing_terms: list[list[frozenset[str]]] = []
        postings: dict[str, set[int]] = defaultdict(set)
        for index, entry in enumerate(self._entries):
            texts = [q for lang in LANGS for q in entry.questions.get(lang, ())]
            texts += [entry.title.get(lang, "") for lang in LANGS]
            keywords = [k for lang in LANGS for k in entry.keywords.get(lang, ())]
            keyword_stems: dict[str, list[frozenset[str]]] = defaultdict(list)
            for stems in filter(None, map(self._stems, keywords)):
                keyword_stems[min(stems)].append(frozenset(stems))
            terms = {s for text in [*texts, *keywords] for s in self._stems(text)}
            self._keywords.append({stem: tuple(sets) for stem, sets in keyword_stems.items()})
            self._phrasings.append(sorted({" ".join(self._stems(t)) for t in texts} - {""}))
            self._phrasing_terms.append([frozenset(p.split()) for p in self._phrasings[-1]])
            for term in terms:
                postings[term].add(index)
        total = len(self._entries)
        self._postings = {t: tuple(sorted(ix)) for t, ix in postings.items()}
        self._posting_sets = {t: frozenset(ix) for t, ix in postings.items()}
        self._posting_size = {t: len(ix) for t, ix in postings.items()}  # term -> entries it is in
        # Each phrasing's distinct words sorted (token_set_ratio's view of it), in `_OneByte` letters:
        # what plain ratio compares with the query when the two share no word.
        sorted_phrasings = [[" ".join(sorted(terms)) for terms in phrasings] for phrasings in self._phrasing_terms]
        self._one_byte = _OneByte(text for phrasings in sorted_phrasings for text in phrasings)
        self._apart_phrasings = [[text.translate(self._one_byte) for text in phrasings]
                                 for phrasings in sorted_phrasings]
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
        by_shape: dict[tuple[str, int], list[str]] = defaultdict(list)
        for term in self._vocabulary:
            by_shape[term[0], len(term)].append(term)
        # Typo look-up lists, made once: by first letter and length, the terms within two letters.
        shapes = {(first, length + d) for first, length in by_shape for d in range(-2, 3)}
        self._typo_bucket = {(first, size): [t for n in range(size - 2, size + 3) for t in by_shape.get((first, n), ())]
                             for first, size in shapes}
        smalltalk = {i for i, e in enumerate(self._entries) if e.action is Action.SMALLTALK}
        # Courtesy words: mostly found in the small-talk entries ("сәлем", "спасибо").
        self._courtesy = frozenset(
            t for t, ix in self._postings.items() if 2 * len(smalltalk.intersection(ix)) >= len(ix))
        self._reading = lru_cache(maxsize=16384)(self._reading_uncached)

    def _stems(self, text: str) -> list[str]:
        return self._concepts.apply(content_stems(text))

    # -- retrieval -------------------------------------------------------
    def _resolve(self, query_stem: str) -> tuple[tuple[str, float], ...]:
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
            bucket = self._typo_bucket.get((query_stem[0], len(query_stem)), [])
            for term, score, _ in process.extract(query_stem, bucket, scorer=fuzz.ratio,
                                                  score_cutoff=TYPO_CUTOFF, limit=3):
                found[term] = max(found.get(term, 0.0), (score / 100) ** 2)  # a guess counts for less
        return tuple(found.items())

    def _reading_uncached(self, query_stem: str) -> _Reading:
        """Everything about a stem that does not depend on the rest of the message."""
        matches = self._resolve(query_stem)
        return _Reading(
            matches=matches,
            weight=max((self._idf[t] for t, _ in matches), default=self._unknown_idf),
            literal=matches in ((), ((query_stem, 1.0),)),
            courtesy=query_stem in self._courtesy or any(t in self._courtesy for t, _ in matches))

    def analyse(self, text: str) -> Analysis:
        """Split courtesy (greetings, thanks) from the question itself.

        A message of courtesy words plus at most one other known word ("Сәлем, бот!")
        is small talk; otherwise the courtesy words are dropped and the rest is matched.
        """
        return self._analyse(raw_tokens(text))

    def _analyse(self, words: list[str]) -> Analysis:
        stems = self._concepts.apply(word_stems(words))
        topical = [s for s in stems if not self._reading(s).courtesy]
        if len(topical) < len(stems):
            known = [s for s in topical if s.startswith(CONCEPT_MARK) or self._reading(s).matches]
            if len(known) <= 1 and not any(s.startswith(CONCEPT_MARK) for s in known):
                return Analysis(tuple(stems), courtesy_only=True)
        return Analysis(tuple(topical), courtesy_only=False)

    def _query(self, stems: tuple[str, ...]) -> _Query:
        """Weight of each query stem, the terms it resolves to, and the best similarity
        of each vocabulary term reached."""
        weights: dict[str, float] = {}
        resolved: dict[str, tuple[tuple[str, float], ...]] = {}
        reached: dict[str, float] = {}
        literal = True
        for query_stem in dict.fromkeys(stems):
            reading = self._reading(query_stem)
            resolved[query_stem] = reading.matches
            weights[query_stem] = reading.weight
            for term, similarity in reading.matches:
                reached[term] = max(reached.get(term, 0.0), similarity)
            literal = literal and reading.literal
        sorted_key = " ".join(sorted(weights))
        return _Query(
            key=" ".join(stems), sorted_key=sorted_key, apart_key=sorted_key.translate(self._one_byte),
            words=frozenset(weights),
            weights=weights, total=sum(weights.values()), resolved=resolved,
            gains=tuple((term, self._idf[term] * similarity) for term, similarity in reached.items()),
            found=frozenset(reached), literal=literal)

    def _coverage(self, query: _Query) -> dict[int, float]:
        """Share of the query's weight each candidate entry explains (all phrasings and keywords).

        Candidates come from the postings of the rarest query words first, up to
        CANDIDATE_LIMIT entries: a word found in every other entry cannot pick a topic.
        """
        resolved = query.resolved
        terms = sorted({t for matches in resolved.values() for t, _ in matches}, key=self._posting_size.__getitem__)
        candidates: set[int] = set()
        for term in terms:
            if len(candidates) >= CANDIDATE_LIMIT:
                break
            candidates.update(self._postings[term][:CANDIDATE_LIMIT])
        if not query.total:
            return {}
        gained = dict.fromkeys(candidates, 0.0)
        for query_stem, weight in query.weights.items():
            matches = resolved[query_stem]
            if len(matches) == 1:  # the usual case: no best similarity to pick per entry
                term, similarity = matches[0]
                for entry in candidates.intersection(self._posting_sets[term]):
                    gained[entry] += weight * similarity
                continue
            # Walk the postings, not the candidates: most terms are in few entries.
            best: dict[int, float] = {}
            for term, similarity in matches:
                for entry in candidates.intersection(self._posting_sets[term]):
                    if similarity > best.get(entry, 0.0):
                        best[entry] = similarity
            for entry, similarity in best.items():
                gained[entry] += weight * similarity
        return {entry: value / query.total for entry, value in gained.items()}

    @staticmethod
    def _evidence(coverage: float, total: float) -> float:
        """How much the entry's match rests on: one common word is not enough to be sure."""
        return min(1.0, coverage * total / EVIDENCE_FULL)

    def _phrasing_fit(self, entry: int, query: _Query) -> tuple[float, Collection[int] | None]:
        """Best balanced overlap (F-measure, IDF-weighted) between the query and one phrasing;
        and, when each query stem is its own term, the phrasings sharing a word with the query
        (those it weighed), which `_phrase` needs too."""
        where = self._phrasings_with[entry]
        hit: dict[int, float] = {}  # phrasing -> weight of its words the query has
        for term, gain in query.gains:
            for phrasing in where.get(term, ()):
                hit[phrasing] = hit.get(phrasing, 0.0) + gain
        phrasing_weight = self._phrasing_weight[entry]
        total = query.total
        if query.literal:
            # Each query stem is its own term, so precision h/w and recall h/T share h (`hit`) and
            # the F-measure is 2h/(w+T): one division a phrasing finds the closest.
            closest, nearness = -1, 0.0
            for phrasing, hit_weight in hit.items():
                near = hit_weight / (phrasing_weight[phrasing] + total)
                if near > nearness:
                    closest, nearness = phrasing, near
            if closest < 0:
                return 0.0, hit.keys()
            return _f_measure(hit[closest] / phrasing_weight[closest], hit[closest] / total), hit.keys()
        query_hit = self._query_hit(where, query)  # phrasing -> weight of the query stems reaching it
        best = 0.0
        for phrasing, hit_weight in hit.items():
            best = max(best, _f_measure(hit_weight / phrasing_weight[phrasing], query_hit[phrasing] / total))
        return best, None

    @staticmethod
    def _query_hit(where: dict[str, tuple[int, ...]], query: _Query) -> dict[int, float]:
        """Phrasing -> weight of the query stems that reach one of its words."""
        query_hit: dict[int, float] = {}
        for query_stem, weight in query.weights.items():
            matches = query.resolved[query_stem]
            if len(matches) == 1:  # the usual case: one term, each phrasing listed once
                touched: Iterable[int] = where.get(matches[0][0], ())
            else:
                touched = {p for term, _ in matches for p in where.get(term, ())}
            for phrasing in touched:
                query_hit[phrasing] = query_hit.get(phrasing, 0.0) + weight
        return query_hit

    # -- re-ranking ------------------------------------------------------
    def _phrase(self, entry: int, query: _Query, enough: float = math.inf,
                sharing: Collection[int] | None = None) -> float:
        """rapidfuzz's token_set_ratio of the query and the entry's closest phrasing, in 0..1;
        once a phrasing reaches `enough`, possibly less than the best (no more need be known).
        `sharing`: the entry's phrasings with a query word, if known already.

        token_set_ratio is the dearest step of a decision. For a phrasing that shares no
        word with the query it is the Indel ratio of the two sorted word lists, which
        rapidfuzz's plain `ratio` finds several times faster (its best is the same phrasing:
        both fall with distance / length sum), so only phrasings sharing a word pay in full.
        """
        phrasings = self._phrasings[entry]
        if sharing is None:
            where = self._phrasings_with[entry]
            sharing = {p for word in query.words for p in where.get(word, ())}
        best = 0.0
        if sharing:
            _, best, _ = process.extractOne(query.key, [phrasings[p] for p in sharing], scorer=fuzz.token_set_ratio)
        if len(sharing) < len(phrasings) and best < 100 * min(enough, 1.0):
            apart = self._apart_phrasings[entry]
            if sharing:
                apart = apart.copy()
                for p in sorted(sharing, reverse=True):
                    del apart[p]
            nearest, _, _ = process.extractOne(query.apart_key, apart, scorer=fuzz.ratio)
            best = max(best, _apart_ratio(query.apart_key, nearest))
        return best / 100

    def _keyword_bonus(self, entry: int, query: _Query) -> float:
        """KEYWORD_BONUS for each of the entry's keywords whose every stem the message reached."""
        keywords, found = self._keywords[entry], query.found
        hits = 0
        for term in keywords.keys() & found:
            for keyword in keywords[term]:
                hits += found.issuperset(keyword)
        return min(MAX_KEYWORD_BONUS, KEYWORD_BONUS * hits)

    def _shortlist(self, analysis: Analysis) -> tuple[_Query, list[_Candidate]]:
        """The entries worth re-ranking, best coverage first, scored but for the phrasing match."""
        query = self._query(analysis.stems)
        coverage = self._coverage(query)
        if analysis.courtesy_only:  # only the small-talk entries compete
            coverage = {e: v for e, v in coverage.items() if self._entries[e].action is Action.SMALLTALK}
        candidates = []
        for entry in heapq.nlargest(RERANK_LIMIT, coverage, key=coverage.__getitem__):
            fit, sharing = self._phrasing_fit(entry, query)
            candidates.append(_Candidate(
                entry=entry, answerable=self._answerable[entry],
                known=COVERAGE_WEIGHT * coverage[entry] + FIT_WEIGHT * fit,
                bonus=self._keyword_bonus(entry, query),
                confidence=self._evidence(coverage[entry], query.total) ** EVIDENCE_POWER,
                sharing=sharing))
        return query, candidates

    def _ranked(self, candidates: list[_Candidate], scores: dict[int, float]) -> list[Scored]:
        """Scored candidates (by shortlist position) best first; ties keep shortlist order."""
        scored = [Scored(self._entries[candidates[i].entry], score) for i, score in sorted(scores.items())]
        scored.sort(key=lambda s: s.score, reverse=True)
        return scored

    def rank(self, text: str) -> tuple[Analysis, list[Scored]]:
        """All plausible entries, best first, with scores in 0..1."""
        analysis = self.analyse(text)
        if not analysis.stems:
            return analysis, []
        query, candidates = self._shortlist(analysis)
        scores = {i: c.score(self._phrase(c.entry, query, sharing=c.sharing)) for i, c in enumerate(candidates)}
        return analysis, self._ranked(candidates, scores)

    def _decisive(self, analysis: Analysis) -> list[Scored]:
        """The head of `rank` that `policy.decide` reads: the two best entries and the first
        three answerable ones, with the same scores in the same order.

        The phrasing match (token_set_ratio) is the dearest part of a score and adds at most
        PHRASE_WEIGHT, so candidates are finished best bound first and the rest are dropped
        as soon as none of them could still reach that head; a candidate's phrasing match is
        not sought beyond the point where its score is capped. If the policy ever reads more
        of the ranking, widen `_settled` (tests/knowledge/test_shortcuts.py compares the two).
        """
        if not analysis.stems:
            return []
        query, candidates = self._shortlist(analysis)
        bounds = [c.score(1.0) for c in candidates]
        order = sorted(range(len(candidates)), key=bounds.__getitem__, reverse=True)
        # From each position of `order` on: the highest bound of an answerable candidate.
        answer_bounds = [-math.inf] * (len(order) + 1)
        for position in range(len(order) - 1, -1, -1):
            i = order[position]
            answer_bounds[position] = bounds[i] if candidates[i].answerable else answer_bounds[position + 1]
        scores: dict[int, float] = {}
        best: list[float] = []  # finished scores, best first
        answers: list[float] = []  # finished scores of answerable candidates, best first
        for position, i in enumerate(order):
            if _settled(best, answers, bounds[i], answer_bounds[position]):
                break
            candidate = candidates[i]
            phrase = self._phrase(candidate.entry, query, candidate.saturation(), candidate.sharing)
            score = scores[i] = candidate.score(phrase)
            for finished in (best, answers) if candidate.answerable else (best,):
                finished.append(score)
                finished.sort(reverse=True)
        return self._ranked(candidates, scores)

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
        words = raw_tokens(text)  # read once, for the language and for matching
        decided = self.detector.decided(text, words)
        analysis = self._analyse(words)
        ranked = self._decisive(analysis)
        return decided, decide(ranked, decided or "kk", self.thresholds, courtesy_only=analysis.courtesy_only)
