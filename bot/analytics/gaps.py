"""Gaps: the questions the desk could not answer, grouped into clusters of the same question.

The top of the list is the next entry to write: each cluster shows its size,
what kind of failure it was, three examples with personal data masked and the
entries the matcher finds nearest (and their scores), so the curator sees
whether a new entry is needed or an existing one lacks phrasings.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from bot.analytics.questions import GapText
from bot.ops.masking import mask
from knowledge import Matcher
from knowledge.clusters import cluster

EXAMPLES = 3
NEAREST = 3


@dataclass(frozen=True)
class Gap:
    size: int
    lang: str
    kinds: dict[str, int]  # fallback / clarify / not_helpful -> count
    examples: tuple[str, ...]
    nearest: tuple[tuple[str, float], ...]  # entry id, score


def base_topics(matcher: Matcher) -> list[tuple[str, ...]]:
    """The phrasings of each entry, one language at a time: the clustering's reference topics."""
    return [tuple(qs) for e in matcher.base.entries for qs in e.questions.values()]


def find_gaps(texts: list[GapText], matcher: Matcher, limit: int | None = None) -> list[Gap]:
    """Clusters of the gap texts, largest first (at most `limit`); texts are masked first, so a
    name or a phone number neither shows nor pulls texts apart."""
    about: dict[str, list[GapText]] = {}  # masked text -> its questions
    masked: dict[str, str] = {}  # each distinct text is masked once
    for item in texts:
        if item.text not in masked:
            masked[item.text] = mask(item.text)
        about.setdefault(masked[item.text], []).append(item)
    masked_texts = [text for text, items in about.items() for _ in items]
    clusters = cluster(masked_texts, lambda text: matcher.analyse(text).stems, base_topics(matcher))
    gaps = []
    for found in clusters[:limit]:
        items = [item for text in dict.fromkeys(found.texts) for item in about[text]]
        examples = tuple(dict.fromkeys(found.texts))[:EXAMPLES]
        _, ranked = matcher.rank(found.texts[0])
        gaps.append(Gap(
            size=found.size,
            lang=Counter(i.lang for i in items).most_common(1)[0][0],
            kinds=dict(Counter(i.kind for i in items).most_common()),
            examples=examples,
            nearest=tuple((s.entry.id, round(s.score, 3)) for s in ranked[:NEAREST])))
    return gaps
