"""The matcher: ranks entries for a message and applies the decision policy.

Two stages over the `Index`. Retrieval: each stem of the message is looked up
(exact, prefix or typo-tolerant) and weighted by rarity (IDF); the share of
the message's weight an entry explains is its coverage. Words the base has
never seen still count in the denominator, so a question about the weather
that mentions "grant" explains little. Re-ranking: the best-covered entries
are scored by their closest phrasing (a balanced overlap of the weighted
stems, and rapidfuzz's token_set_ratio for spelling) plus their keywords,
damped when the match rests on little evidence. In a long message, the words
of sentences that ask nothing weigh less.

`ranked` is the plain reference ranking (every shortlisted entry scored in
full); `decide`, which the desk calls, reads `shortcut.head` (knowledge/shortcut.py),
the part of that ranking the policy reads, computed with less work.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from functools import lru_cache

from rapidfuzz import fuzz, process

from knowledge.concepts import CONCEPT_MARK
from knowledge.index import Index, content_stems, word_stems
from knowledge.lexicon import asks
from knowledge.model import Action, KnowledgeBase, Lang
from knowledge.policy import Decision, Scored, Thresholds, decide
from knowledge.scoring import CANDIDATE_LIMIT, RERANK_LIMIT, Candidate, Query, keyword_bonus
from knowledge.shortcut import Shortcut
from knowledge.text import raw_tokens, sentences

__all__ = ["Analysis", "Matcher", "Query", "content_stems"]

LONG_MESSAGE = 12  # stems from which a message is read sentence by sentence
CONTEXT_WEIGHT = 0.3  # weight of a word said only around the question, against one in it
CACHE_SIZE = 4096  # decisions kept by exact message text


@dataclass(frozen=True)
class Analysis:
    """How one message was read: its stems, whether it is only courtesy, and which stems
    are context."""

    stems: tuple[str, ...]
    courtesy_only: bool
    context: frozenset[str] = frozenset()  # stems said only around the question (see `Matcher.context`)


class Matcher:
    """Ranks knowledge entries for a message and applies the decision policy."""

    def __init__(self, base: KnowledgeBase, thresholds: Thresholds | None = None, *,
                 cache_size: int = CACHE_SIZE, index: Index | None = None) -> None:
        """`index`: one already built for `base` (wrappers share it); `cache_size`: decisions
        kept by exact text, 0 for none."""
        self.base = base
        self.thresholds = thresholds or Thresholds()
        self.index = index or Index(base)
        self.detector = self.index.detector
        self.cache_size = cache_size
        self.shortcut = Shortcut(self)  # what `decide` reads: the head of `ranked`, with less work
        self._read = lru_cache(maxsize=cache_size)(self._read_uncached) if cache_size else self._read_uncached

    # -- reading a message -------------------------------------------------
    def analyse(self, text: str) -> Analysis:
        """Split courtesy (greetings, thanks) from the question itself.

        A message of courtesy words plus at most one other known word ("Сәлем, бот!")
        is small talk; otherwise the courtesy words are dropped and the rest is matched.
        """
        return self._analyse(text, word_stems(raw_tokens(text)))

    def _analyse(self, text: str, content: list[str]) -> Analysis:
        """`analyse` of the text's `content_stems`."""
        index = self.index
        stems = index.concepts.apply(content)
        topical = [s for s in stems if not self._courtesy(s)]
        if len(topical) < len(stems):
            known = [s for s in topical if s.startswith(CONCEPT_MARK) or index.lookup(s)]
            if len(known) <= 1 and not any(s.startswith(CONCEPT_MARK) for s in known):
                return Analysis(tuple(stems), courtesy_only=True)
        return Analysis(tuple(topical), courtesy_only=False, context=self.context(text, topical))

    def context(self, text: str, stems: list[str]) -> frozenset[str]:
        """In a long message, the stems found only in sentences that ask nothing ("we are a
        foundation in Semey, we work with..."): they weigh less than the question's own."""
        if len(stems) < LONG_MESSAGE:
            return frozenset()
        asking: set[str] = set()
        telling: set[str] = set()
        for sentence in sentences(text):
            words = raw_tokens(sentence)
            (asking if asks(sentence, words) else telling).update(self.index.concepts.apply(word_stems(words)))
        return frozenset(telling - asking) if asking else frozenset()

    def _courtesy(self, query_stem: str) -> bool:
        courtesy = self.index.courtesy
        if query_stem in courtesy:
            return True
        found = self.index.lookup(query_stem)
        if len(found) == 1:  # most words: one term, read without a generator
            return found[0][0] in courtesy
        return any(t in courtesy for t, _ in found)

    def query(self, analysis: Analysis) -> Query:
        """Each distinct stem's matches and weight, and the best similarity of each term reached."""
        index, stems = self.index, analysis.stems
        matches = {s: index.lookup(s) for s in stems}
        reached: dict[str, float] = {}
        for found in matches.values():
            for term, similarity in found:
                reached[term] = max(reached.get(term, 0.0), similarity)
        weights = {s: index.weight(found) * (CONTEXT_WEIGHT if s in analysis.context else 1.0)
                   for s, found in matches.items()}
        return Query(" ".join(stems), weights, matches, reached, sum(weights.values()))

    # -- scoring one entry ---------------------------------------------------
    def coverage(self, query: Query) -> dict[int, float]:
        """Share of the message's weight each candidate entry explains (any of its phrasings
        and keywords).

        Candidates come from the postings of the rarest terms reached first (at most
        CANDIDATE_LIMIT from each, in base order), until there are CANDIDATE_LIMIT: a word
        found in every other entry cannot pick a topic.
        """
        postings = self.index.postings
        candidates: set[int] = set()
        for term in sorted(query.reached, key=lambda t: (len(postings[t]), t)):
            if len(candidates) >= CANDIDATE_LIMIT:
                break
            candidates.update(self.index.posting_lists[term][:CANDIDATE_LIMIT])
        gained = dict.fromkeys(candidates, 0.0)
        for query_stem, weight in query.weights.items():
            best: dict[int, float] = {}  # entry -> the best similarity of a term it holds
            for term, similarity in sorted(query.matches[query_stem], key=lambda match: match[1]):
                best.update(dict.fromkeys(candidates.intersection(postings[term]), similarity))
            for entry, similarity in best.items():
                gained[entry] += weight * similarity
        return {entry: value / query.total for entry, value in gained.items()}

    def fit(self, entry: int, query: Query) -> float:
        """Best balanced overlap (F-measure, IDF-weighted) between the message and one phrasing:
        precision is the share of the phrasing's weight the message reached, recall the share
        of the message's weight that reaches the phrasing."""
        where = self.index.phrasings_with[entry]
        hit: dict[int, float] = {}  # phrasing -> IDF mass of its terms the message reached
        for term, similarity in query.reached.items():
            for phrasing in where.get(term, ()):
                hit[phrasing] = hit.get(phrasing, 0.0) + self.index.idf[term] * similarity
        recall: dict[int, float] = {}  # phrasing -> weight of the message's stems reaching it
        for query_stem, weight in query.weights.items():
            matches = query.matches[query_stem]
            if len(matches) == 1:  # the usual case: one term, so each phrasing is listed once
                reaching: Iterable[int] = where.get(matches[0][0], ())
            else:
                reaching = {p for term, _ in matches for p in where.get(term, ())}
            for phrasing in reaching:
                recall[phrasing] = recall.get(phrasing, 0.0) + weight
        # F = 2PR / (P + R) with P = hit / phrasing weight and R = recall / message weight
        weights, total = self.index.phrasing_weight[entry], query.total
        return max((2 * hit[p] * recall[p] / (hit[p] * total + recall[p] * weights[p]) for p in hit), default=0.0)

    def phrase(self, entry: int, query: Query) -> float:
        """rapidfuzz's token_set_ratio of the message and the entry's closest phrasing, in 0..1,
        among the phrasings that share a word with the message (all of them if none does:
        the entry was reached through a typo or a prefix). A phrasing with no word in common
        never came closest on our labelled sets, and token_set_ratio is the dearest step."""
        phrasings, where = self.index.phrasings[entry], self.index.phrasings_with[entry]
        sharing = {p for word in query.weights for p in where.get(word, ())}
        choices = [phrasings[p] for p in sharing] if sharing else phrasings
        _, best, _ = process.extractOne(query.key, choices, scorer=fuzz.token_set_ratio)
        return best / 100

    def keyword_bonus(self, entry: int, query: Query) -> float:
        """KEYWORD_BONUS for each of the entry's keywords whose every stem the message reached."""
        keywords, reached = self.index.keywords[entry], query.reached.keys()
        return keyword_bonus(sum(kw <= reached for term in keywords.keys() & reached for kw in keywords[term]))

    def candidate(self, entry: int, coverage: float, query: Query) -> Candidate:
        """Every part of the entry's score but the phrasing match."""
        return Candidate.of(entry, self.index.entries[entry].action is Action.ANSWER, coverage,
                            self.fit(entry, query), self.keyword_bonus(entry, query), query.total)

    # -- ranking and deciding ------------------------------------------------
    def shortlist(self, analysis: Analysis) -> tuple[Query, list[Candidate]]:
        """The RERANK_LIMIT best-covered entries (ties: base order), scored but for the phrasing match."""
        query = self.query(analysis)
        coverage = self.coverage(query)
        if analysis.courtesy_only:  # only the small-talk entries compete
            coverage = {e: v for e, v in coverage.items() if self.index.entries[e].action is Action.SMALLTALK}
        best = sorted(coverage, key=lambda e: (-coverage[e], e))[:RERANK_LIMIT]
        return query, [self.candidate(entry, coverage[entry], query) for entry in best]

    def ranked(self, analysis: Analysis) -> list[Scored]:
        """The reference ranking: every shortlisted entry scored in full, best first
        (ties keep shortlist order)."""
        if not analysis.stems:
            return []
        query, candidates = self.shortlist(analysis)
        scored = [Scored(self.index.entries[c.entry], c.score(self.phrase(c.entry, query))) for c in candidates]
        return sorted(scored, key=lambda s: -s.score)

    def rank(self, text: str) -> tuple[Analysis, list[Scored]]:
        """All plausible entries, best first, with scores in 0..1."""
        analysis = self.analyse(text)
        return analysis, self.ranked(analysis)

    def decide(self, text: str, default_lang: Lang = "kk") -> Decision:
        """Read one message and decide: answer, clarify, fallback, smalltalk or escalate.

        Pure for a given base and thresholds, so the last `cache_size` texts' readings
        are kept (people ask the same things); `default_lang` only labels a message
        whose language the text does not tell.
        """
        decided, decision, _worded = self._read(text)
        return self._labelled(decided, decision, default_lang)

    def read(self, text: str, default_lang: Lang = "kk") -> Decision | None:
        """`decide`, or None when the text has no word that carries meaning (`content_stems` is
        empty): the desk asks both, and the words are read once for both, and kept with the decision."""
        decided, decision, worded = self._read(text)
        return self._labelled(decided, decision, default_lang) if worded else None

    @staticmethod
    def _labelled(decided: Lang | None, decision: Decision, default_lang: Lang) -> Decision:
        if decided is None and decision.lang != default_lang:
            return replace(decision, lang=default_lang)
        return decision

    def _read_uncached(self, text: str) -> tuple[Lang | None, Decision, bool]:
        words = raw_tokens(text)  # read once, for the language and for matching
        decided = self.detector.decided(text, words)
        stems = word_stems(words)
        analysis = self._analyse(text, stems)
        ranked = self.shortcut.head(analysis)
        return (decided, decide(ranked, decided or "kk", self.thresholds, courtesy_only=analysis.courtesy_only),
                bool(stems))
