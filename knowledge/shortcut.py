"""The matcher's speed shortcut: the head of the reference ranking, with less work.

`Matcher.ranked` scores every shortlisted entry in full; `policy.decide` reads only the two
best entries and the first three answerable ones. `Shortcut.head` gives exactly those, with
the same scores in the same order, and is what `Matcher.decide` reads. It saves work in three
ways. The phrasing match, the dearest part of a score, is computed only for candidates that
can still reach the head. A plain message, whose every stem stands for at most one vocabulary
term and no two for the same one (most messages), is scored from one list of (term, gain,
weight) triples: the fit's two sums, over a phrasing's terms and over the message's stems,
then run over the same terms in the same order, so one pass gives both with the very same
floating-point sums (other messages take the reference's coverage and fit). And what the
reference builds per entry and message (the phrasings sharing a word as text, the order terms
are read in, each phrasing's set of words, to know a 100 without the search) the index has
ready.
tests/knowledge/test_shortcuts.py holds every part equal to the reference.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import KeysView
from typing import TYPE_CHECKING, NamedTuple

from rapidfuzz import fuzz, process

from knowledge import scoring
from knowledge.policy import Scored
from knowledge.scoring import CANDIDATE_LIMIT, RERANK_LIMIT, Query, keyword_bonus

if TYPE_CHECKING:
    from knowledge.matcher import Analysis, Matcher


class Plain(NamedTuple):
    """A plain message's stems, each with its one vocabulary term."""

    terms: list[tuple[str, float, float]]  # per stem: its term, IDF x similarity (gain), the stem's weight
    exact: bool  # each gain is its weight (whole words, no context): a phrasing's hit is its recall


class Shortcut:
    """`Matcher.ranked`'s head, computed with less work."""

    def __init__(self, matcher: Matcher) -> None:
        self.matcher = matcher  # the reference, for what the shortcut does not do itself
        self.index = matcher.index

    def head(self, analysis: Analysis) -> list[Scored]:
        """The part of `Matcher.ranked` that `policy.decide` reads, with the same scores in the
        same order: the two best entries and the first three answerable ones. If the policy
        ever reads more of the ranking, widen `finish`."""
        if not analysis.stems:
            return []
        query = self.matcher.query(analysis)
        plain = self.plain(query)
        coverage = self.coverage(query, plain) if plain is not None else self.matcher.coverage(query)
        if analysis.courtesy_only:  # only the small-talk entries compete
            coverage = {e: v for e, v in coverage.items() if e in self.index.smalltalk}
        # best covered first, ties in base order (a reversed sort keeps equal items' order)
        best = sorted(sorted(coverage), key=coverage.__getitem__, reverse=True)[:RERANK_LIMIT]
        reached = query.reached.keys()
        known = [scoring.known(coverage[e], self.fit(e, query, plain), keyword_bonus(self.keyword_hits(e, reached)))
                 for e in best]
        return self.finish(query, best, known, [scoring.confidence(coverage[e], query.total) for e in best])

    def plain(self, query: Query) -> Plain | None:
        """Each stem's one term, IDF x similarity and weight, in the message's order; None
        unless every stem stands for at most one term and no two stems for the same."""
        idf, terms = self.index.idf, []
        for stem, weight in query.weights.items():
            found = query.matches[stem]
            if len(found) > 1:
                return None
            if found:
                term, similarity = found[0]
                terms.append((term, idf[term] * similarity, weight))
        if len(terms) != len(query.reached):
            return None
        return Plain(terms, all(gain == weight for _, gain, weight in terms))

    def coverage(self, query: Query, plain: Plain) -> dict[int, float]:
        """`Matcher.coverage` of a plain message: each stem adds its weight x similarity to the
        candidates holding its one term."""
        index = self.index
        candidates: set[int] = set()
        for term in sorted(query.reached, key=index.rarity.__getitem__):
            if len(candidates) >= CANDIDATE_LIMIT:
                break
            candidates.update(index.posting_lists[term][:CANDIDATE_LIMIT])
        gained = dict.fromkeys(candidates, 0.0)
        for term, _, weight in plain.terms:
            share = weight * query.reached[term]
            for entry in candidates.intersection(index.postings[term]):
                gained[entry] += share
        return {entry: value / query.total for entry, value in gained.items()}

    def fit(self, entry: int, query: Query, plain: Plain | None) -> float:
        """`Matcher.fit`; for a plain message, one pass over its terms sums both the IDF mass
        each phrasing's terms got (hit) and the weight of the stems reaching it (recall), and
        when each term's gain is its stem's weight the two are one sum."""
        if plain is None:
            return self.matcher.fit(entry, query)
        where = self.index.phrasings_with[entry]
        hit: dict[int, float] = {}
        exact = plain.exact
        recall = hit if exact else {}
        for term, gain, weight in plain.terms:
            for phrasing in where.get(term, ()):
                hit[phrasing] = hit.get(phrasing, 0.0) + gain
                if not exact:
                    recall[phrasing] = recall.get(phrasing, 0.0) + weight
        weights, total = self.index.phrasing_weight[entry], query.total
        return max([2 * h * recall[p] / (h * total + recall[p] * weights[p]) for p, h in hit.items()], default=0.0)

    def keyword_hits(self, entry: int, reached: KeysView[str]) -> int:
        """How many of the entry's keywords the message reached whole (`Matcher.keyword_bonus`):
        the few terms reached looked up, not a set built of the entry's keywords."""
        filed, hits = self.index.keywords[entry], 0
        for term in reached:
            for keyword in filed.get(term, ()):
                hits += keyword <= reached
        return hits

    def phrase(self, entry: int, query: Query, words: frozenset[str]) -> float:
        """`Matcher.phrase`: 1.0 at once when a phrasing has the message's very words (`words`,
        those of `query.key`; token_set_ratio gives 100 then), else over the phrasings sharing a
        word, read as text from the index."""
        if words in self.index.word_sets[entry]:
            return 1.0
        texts = self.index.texts_with[entry]
        sharing = [texts[stem] for stem in query.weights if stem in texts]
        if not sharing:
            choices = self.index.phrasings[entry]
        else:
            choices = sharing[0] if len(sharing) == 1 else set().union(*sharing)
        _, best, _ = process.extractOne(query.key, choices, scorer=fuzz.token_set_ratio)
        return best / 100

    def finish(self, query: Query, entries: list[int], known: list[float], confidence: list[float]) -> list[Scored]:
        """The shortlisted `entries` (with the `scoring.known` parts and `scoring.confidence` of
        each) finished, their phrasing matched, best bound first, until none of the rest can reach
        the two best or the first three answerable; those finished, best first (ties: shortlist
        order)."""
        answerable = [self.index.answerable[e] for e in entries]
        bounds = list(map(scoring.bound, known, confidence))
        order = sorted(range(len(entries)), key=bounds.__getitem__, reverse=True)
        ahead: list[float | None] = []  # from each place in `order` on: an answerable's best bound
        for i in reversed(order):
            ahead.append(bounds[i] if answerable[i] else ahead[-1] if ahead else None)
        ahead.reverse()
        words = frozenset(query.key.split())
        scores: dict[int, float] = {}  # shortlist position -> finished score
        finished: list[float] = []  # finished scores, ascending
        answers: list[float] = []  # finished scores of answerable entries, ascending
        for position, i in enumerate(order):
            second = finished[-2] if len(finished) >= 2 else -math.inf
            third = answers[-3] if len(answers) >= 3 else -math.inf
            if bounds[i] < second and (ahead[position] is None or ahead[position] < third):
                break
            scores[i] = scoring.score(known[i], self.phrase(entries[i], query, words), confidence[i])
            bisect.insort(finished, scores[i])
            if answerable[i]:
                bisect.insort(answers, scores[i])
        ranked = sorted(sorted(scores), key=scores.__getitem__, reverse=True)  # ties: shortlist order
        return [Scored(self.index.entries[entries[i]], scores[i]) for i in ranked]
