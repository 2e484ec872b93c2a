"""Synonym groups: many ways of writing one concept, read as one token.

Users write "ГСЗ", "соцзаказ" or "мемлекеттік әлеуметтік тапсырыс" for the
same thing; each group becomes one concept token in the base and in messages,
so a Kazakh question also meets the Russian phrasings of its topic.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

CONCEPT_MARK = "#"


class Concepts:
    """Replaces runs of stems that spell a synonym with the group's concept token.

    Word order inside a run does not matter: "соцзаказ государственный" and "заказ
    социальный" are read like the terms as written. Longer runs win over shorter ones.
    """

    def __init__(self, groups: Mapping[str, Sequence[str]], to_stems: Callable[[str], list[str]]) -> None:
        self._patterns: dict[tuple[str, ...], str] = {}  # sorted stems of a term -> concept
        for name, terms in groups.items():
            for term in terms:
                stems = to_stems(term)
                if stems:
                    self._patterns[tuple(sorted(stems))] = CONCEPT_MARK + name
        self._lengths = sorted({len(p) for p in self._patterns}, reverse=True)
        self._words = {stem for pattern in self._patterns for stem in pattern}

    def apply(self, stems: list[str]) -> list[str]:
        out: list[str] = []
        i = 0
        while i < len(stems):
            concept, length = self._match_at(stems, i) if stems[i] in self._words else (None, 1)
            out.append(concept or stems[i])
            i += length
        return out

    def _match_at(self, stems: list[str], i: int) -> tuple[str | None, int]:
        for length in self._lengths:
            if i + length <= len(stems):
                concept = self._patterns.get(tuple(sorted(stems[i:i + length])))
                if concept is not None:
                    return concept, length
        return None, 1
