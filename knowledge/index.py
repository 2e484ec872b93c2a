"""The matcher's index: built once from the base, read by every decision.

Every text of an entry (phrasings, titles, keywords) is reduced to stems
(`content_stems`, then synonym groups to concept tokens). The index keeps
which entries hold each stem (postings), how rare it is (IDF), each entry's
phrasings as stem strings, and the look-ups that read a message's words:
exact, prefix and typo-tolerant.
"""

from __future__ import annotations

import bisect
import math
from collections import defaultdict
from collections.abc import Iterable
from functools import lru_cache

from rapidfuzz import fuzz, process

from knowledge.concepts import CONCEPT_MARK, Concepts
from knowledge.language import LanguageDetector
from knowledge.lexicon import STOP_WORDS
from knowledge.model import LANGS, Action, Entry, KnowledgeBase
from knowledge.stem import MIN_STEM, stem
from knowledge.text import fold, raw_tokens

TYPO_MIN_LENGTH = 5
TYPO_CUTOFF = 80.0
PREFIX_MIN_LENGTH = 5
PREFIX_SIMILARITY = 0.85
STATE_PREFIX = "гос"
WORD_CACHE = 65536  # words whose stem or reading is kept: messages mostly reuse the same words

Matches = tuple[tuple[str, float], ...]  # vocabulary terms a word stands for, similarity in 0..1


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


class Index:
    """Stems, postings and weights of a knowledge base."""

    def __init__(self, base: KnowledgeBase) -> None:
        self.entries: tuple[Entry, ...] = tuple(base.entries)
        self.detector = LanguageDetector(base.entries)
        self.concepts = Concepts(base.synonyms, content_stems)
        self.phrasings: list[list[str]] = []  # per entry: its phrasings as stem strings
        # per entry: each keyword's stems, filed under one of them (a keyword is whole in a
        # message only if that stem was reached); a keyword listed twice counts twice
        self.keywords: list[dict[str, list[frozenset[str]]]] = []
        terms_of: list[set[str]] = []
        for entry in self.entries:
            texts = [q for lang in LANGS for q in entry.questions.get(lang, ())]
            texts += [entry.title.get(lang, "") for lang in LANGS]
            keywords = [self.stems(k) for lang in LANGS for k in entry.keywords.get(lang, ())]
            phrasings = sorted({" ".join(self.stems(t)) for t in texts} - {""})
            self.phrasings.append(phrasings)
            filed: dict[str, list[frozenset[str]]] = defaultdict(list)
            for keyword in filter(None, keywords):
                filed[min(keyword)].append(frozenset(keyword))
            self.keywords.append(dict(filed))
            terms_of.append({t for p in phrasings for t in p.split()} | {t for k in keywords for t in k})
        phrasing_terms = [[frozenset(p.split()) for p in phrasings] for phrasings in self.phrasings]
        postings: dict[str, set[int]] = defaultdict(set)
        for entry, terms in enumerate(terms_of):
            for term in terms:
                postings[term].add(entry)
        self.postings = {t: frozenset(ix) for t, ix in postings.items()}
        self.posting_lists = {t: tuple(sorted(ix)) for t, ix in postings.items()}  # in base order
        total = len(self.entries)
        self.idf = {t: math.log((total + 1) / (len(ix) + 0.5)) for t, ix in postings.items()}
        self.unknown_idf = math.log((total + 1) / 0.5)
        self.phrasing_weight = [[sum(self.idf[t] for t in terms) for terms in phrasings]
                                for phrasings in phrasing_terms]
        # per entry: term -> the phrasings that hold it
        self.phrasings_with = [_phrasings_with(phrasings) for phrasings in phrasing_terms]
        self.vocabulary = sorted(self.postings)
        self._typo_buckets = _typo_buckets(self.vocabulary)
        self.smalltalk = frozenset(i for i, e in enumerate(self.entries) if e.action is Action.SMALLTALK)
        # Courtesy words: mostly found in the small-talk entries ("сәлем", "спасибо").
        self.courtesy = frozenset(t for t, ix in self.postings.items() if 2 * len(self.smalltalk & ix) >= len(ix))
        self.lookup = lru_cache(maxsize=WORD_CACHE)(self._lookup)
        self._read_faster()

    def _read_faster(self) -> None:
        """What the matcher's shortcut (`Shortcut`) reads instead of working it out per message."""
        self.answerable = tuple(e.action is Action.ANSWER for e in self.entries)
        # term -> its place in the order the coverage reads terms: rarest first, then by spelling
        self.rarity = {t: n for n, t in enumerate(sorted(self.postings, key=lambda t: (len(self.postings[t]), t)))}
        # per entry: term -> the phrasings that hold it, as text
        self.texts_with = [{term: tuple(texts[p] for p in positions) for term, positions in where.items()}
                           for where, texts in zip(self.phrasings_with, self.phrasings, strict=True)]
        # per entry: its phrasings' sets of words
        self.word_sets = [frozenset(frozenset(p.split()) for p in phrasings) for phrasings in self.phrasings]
    def stems(self, text: str) -> list[str]:
        """A text's stems with synonym groups read as concepts, as the index holds them."""
        return self.concepts.apply(content_stems(text))

    def _lookup(self, query_stem: str) -> Matches:
        """Vocabulary terms a message's stem stands for: itself if the base has it, else
        terms it is a prefix of or that are a prefix of it, and close spellings."""
        if query_stem in self.postings:
            return ((query_stem, 1.0),)
        if query_stem.startswith(CONCEPT_MARK):
            return ()
        found: dict[str, float] = {}
        bare = query_stem.removeprefix(STATE_PREFIX)
        if bare != query_stem and bare in self.postings:
            found[bare] = 1.0  # госгрант = грант, госорган = орган
        if len(query_stem) >= PREFIX_MIN_LENGTH:
            found.update(self._prefixes(query_stem))
        if len(query_stem) >= TYPO_MIN_LENGTH:  # typos keep the first letter and about the length
            bucket = self._typo_buckets.get((query_stem[0], len(query_stem)), [])
            for term, score, _ in process.extract(query_stem, bucket, scorer=fuzz.ratio,
                                                  score_cutoff=TYPO_CUTOFF, limit=3):
                found[term] = max(found.get(term, 0.0), (score / 100) ** 2)  # a guess counts for less
        return tuple(found.items())

    def _prefixes(self, query_stem: str) -> dict[str, float]:
        """Terms up to three letters longer that start with the stem, and the stem's own
        prefixes (down to MIN_STEM letters) that are terms."""
        found: dict[str, float] = {}
        start = bisect.bisect_left(self.vocabulary, query_stem)
        for term in self.vocabulary[start:start + 5]:
            if term.startswith(query_stem) and len(term) - len(query_stem) <= 3:
                found[term] = PREFIX_SIMILARITY
        for cut in range(len(query_stem) - 1, MIN_STEM - 1, -1):
            if len(query_stem) - cut > (3 if cut >= PREFIX_MIN_LENGTH else 1):
                break
            if query_stem[:cut] in self.postings:
                found.setdefault(query_stem[:cut], PREFIX_SIMILARITY)
        return found

    def weight(self, matches: Matches) -> float:
        """A message word's weight: the IDF of its rarest match, an unseen word's if none."""
        if len(matches) == 1:  # most words: one term, read without a generator
            return self.idf[matches[0][0]]
        return max((self.idf[t] for t, _ in matches), default=self.unknown_idf)


def _phrasings_with(phrasings: list[frozenset[str]]) -> dict[str, tuple[int, ...]]:
    """Term -> the positions of the phrasings that hold it."""
    where: dict[str, list[int]] = defaultdict(list)
    for position, terms in enumerate(phrasings):
        for term in terms:
            where[term].append(position)
    return {term: tuple(positions) for term, positions in where.items()}


def _typo_buckets(vocabulary: list[str]) -> dict[tuple[str, int], list[str]]:
    """By first letter and length: the terms within two letters of that length."""
    by_shape: dict[tuple[str, int], list[str]] = defaultdict(list)
    for term in vocabulary:
        by_shape[term[0], len(term)].append(term)
    shapes = {(first, length + d) for first, length in by_shape for d in range(-2, 3)}
    return {(first, size): [t for n in range(size - 2, size + 3) for t in by_shape.get((first, n), ())]
            for first, size in shapes}
