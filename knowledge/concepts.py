"""Synonym groups: many ways of writing one concept, read as one token.

Users write "ГСЗ", "соцзаказ" or "мемлекеттік әлеуметтік тапсырыс" for the
same thing; each group becomes one concept token in the base and in messages,
so a Kazakh question also meets the Russian phrasings of its topic.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

CONCEPT_MARK = "#"


class Concepts:
    """Replaces runs of stems that spell a synonym with the group's concept token."""

    def __init__(self, groups: Mapping[str, Sequence[str]], to_stems: Callable[[str], list[str]]) -> None:
        patterns: dict[tuple[str, ...], str] = {}
        for name, terms in groups.items():
            for term in terms:
                stems = tuple(to_stems(term))
                if stems:
                    patterns[stems] = CONCEPT_MARK + name
        # Longest first, so "государственный социальный заказ" wins over "социальный заказ".
        self._patterns = sorted(patterns.items(), key=lambda item: len(item[0]), reverse=True)
        self._first = {stems[0] for stems, _ in self._patterns}

    def apply(self, stems: list[str]) -> list[str]:
        out: list[str] = []
        i = 0
        while i < len(stems):
            if stems[i] in self._first:
                for pattern, concept in self._patterns:
                    if tuple(stems[i:i + len(pattern)]) == pattern:
                        out.append(concept)
                        i += len(pattern)
                        break
                else:
                    out.append(stems[i])
                    i += 1
            else:
                out.append(stems[i])
                i += 1
        return out
