"""Group questions the desk could not answer into clusters of the same question.

Each text is read the way the matcher reads it (`Matcher.analyse`: folded
stems, synonyms as concepts, courtesy dropped) and cut to four-letter roots, so
"изменить", "изменения" and "изменение" meet. Two texts are alike by the
weighted Dice overlap of their roots; a root weighs its IDF cubed, counted over
the base's topics and the texts being grouped, so question words ("как",
"қалай", "керек") weigh almost nothing and a rare topic word ("устав",
"жарғы") decides. A topic (one entry's phrasings in one language) counts once
however many phrasings it has: counted per phrasing, every entry the curators
add made its own words look like question words and pulled different gaps
together. Character ratios of the stems (rapidfuzz's token ratios) were
measured first and put different questions together far more often (README).

Greedy single-link grouping: distinct readings, the weightiest first, join the
cluster holding the most similar member at or above `THRESHOLD`, or start one.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

ROOT_LENGTH = 4
THRESHOLD = 0.35
IDF_POWER = 3
BLOCKING_ROOTS = 3  # clusters are looked for through the key's weightiest roots only
MEMBERS_COMPARED = 20  # a large cluster is compared through its most asked readings

Reader = Callable[[str], Sequence[str]]
Key = frozenset[str]


@dataclass(frozen=True)
class Cluster:
    """Texts asking the same thing, the most frequent reading first."""

    texts: tuple[str, ...]

    @property
    def size(self) -> int:
        return len(self.texts)


def roots(stems: Iterable[str]) -> Key:
    return frozenset(s[:ROOT_LENGTH] for s in stems)


class Weights:
    """IDF**IDF_POWER of each root over the keys of the texts and of the reference topics."""

    def __init__(self, keys: Sequence[Key]) -> None:
        df = Counter(root for key in keys for root in key)
        total = len(keys) + 1
        self._unknown = math.log(total / 0.5) ** IDF_POWER
        self._weight = {root: math.log(total / (count + 0.5)) ** IDF_POWER for root, count in df.items()}
        self._mass: dict[Key, float] = {}

    def __call__(self, root: str) -> float:
        return self._weight.get(root, self._unknown)

    def mass(self, key: Key) -> float:
        """The summed weight of a key's roots (kept: each key is compared many times)."""
        found = self._mass.get(key)
        if found is None:
            found = self._mass[key] = sum(map(self, key))
        return found


def similarity(a: Key, b: Key, weights: Weights) -> float:
    """Weighted Dice overlap of two root sets, 0..1."""
    total = weights.mass(a) + weights.mass(b)
    shared = a & b
    return 2 * sum(map(weights, shared)) / total if shared and total else 0.0


def cluster(texts: Iterable[str], read: Reader, reference: Iterable[Iterable[str]] = (),
            threshold: float = THRESHOLD) -> list[Cluster]:
    """Clusters of `texts`, largest first; texts without a meaningful word are left out.

    `read` gives a text's stems (the matcher's `analyse`); `reference` topics (each the
    phrasings of one entry in one language) only teach which roots are common.
    """
    by_key: dict[Key, list[str]] = defaultdict(list)
    keys: dict[str, Key] = {}  # each distinct text is read once
    for text in texts:
        key = keys.get(text)
        if key is None:
            key = keys[text] = roots(read(text))
        if key:
            by_key[key].append(text)
    topics = [frozenset().union(*(roots(read(t)) for t in phrasings)) for phrasings in reference]
    weights = Weights([*by_key, *topics])
    groups: list[list[Key]] = []
    index: dict[str, list[int]] = defaultdict(list)  # root -> groups holding it
    for key in sorted(by_key, key=lambda k: (-len(by_key[k]), -weights.mass(k), sorted(k))):
        group = _best_group(key, groups, index, weights, threshold)
        if group is None:
            group = len(groups)
            groups.append([])
        groups[group].append(key)
        for root in key:
            if not index[root] or index[root][-1] != group:
                index[root].append(group)
    clusters = [Cluster(tuple(t for key in keys for t in by_key[key])) for keys in groups]
    return sorted(clusters, key=lambda c: -c.size)


def _best_group(key: Key, groups: list[list[Key]], index: dict[str, list[int]], weights: Weights,
                threshold: float) -> int | None:
    heaviest = sorted(key, key=weights, reverse=True)[:BLOCKING_ROOTS]
    candidates = {g for root in heaviest for g in index.get(root, ())}
    best, best_score = None, threshold
    for group in sorted(candidates):
        score = max(similarity(key, member, weights) for member in groups[group][:MEMBERS_COMPARED])
        if score >= best_score:
            best, best_score = group, score
    return best


def pairwise_scores(labels: Sequence[str], predicted: Sequence[int]) -> tuple[float, float]:
    """Pairwise precision and recall of a clustering against labels (pairs put together rightly)."""
    together = right = labelled = 0
    for i in range(len(labels)):
        for j in range(i + 1, len(labels)):
            same, joined = labels[i] == labels[j], predicted[i] == predicted[j]
            together += joined
            labelled += same
            right += same and joined
    return (right / together if together else 1.0), (right / labelled if labelled else 1.0)
