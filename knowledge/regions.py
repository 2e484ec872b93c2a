"""The regions of Kazakhstan and how people name them in a message.

Pure: the table is read from `regions.yaml` in the knowledge folder, and
`Regions.find` tells which region a message names ("в Караганде",
"Қарағандыда", "karagandy"), or None when it names none or several.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from knowledge.collector import Collector, Problem
from knowledge.loader import _read_yaml
from knowledge.model import LANGS

FILE = "regions.yaml"
CITY = "city"  # the group of the cities of republican significance, offered first
# Words around a region's name in a reply to "which region?": "я из ...", "г. ...", "... облысы".
FILLER = frozenset(
    "в во из я мы г город города обл область области облысы облысынан қ қаласы қаласынан мен біз "
    "from in city oblast".split()
)
_WORD = re.compile(r"[^\W\d_]+")


@dataclass(frozen=True)
class Pattern:
    """Consecutive words of a region's name; a word ending in * matches any ending."""

    region: str
    words: tuple[str, ...]

    @property
    def weight(self) -> int:
        """More letters fixed: more specific ("алматы облыс*" beats "алмат*")."""
        return sum(len(w.rstrip("*")) for w in self.words)

    def at(self, tokens: list[str], start: int) -> tuple[int, int] | None:
        """The span of the tokens this pattern names from `start`, if it does."""
        end = start + len(self.words)
        if end <= len(tokens) and all(_fits(w, t) for w, t in zip(self.words, tokens[start:end], strict=True)):
            return start, end
        return None


class FirstWords:
    """The patterns by their first word: a token finds the few it may start in a look-up per
    prefix length. Testing every pattern at every word cost a quarter of the desk's CPU per
    update, as every question is checked for a typed region (benchmarks/README.md)."""

    def __init__(self, patterns: tuple[Pattern, ...]) -> None:
        self.exact: dict[str, list[Pattern]] = {}
        self.prefixes: dict[str, list[Pattern]] = {}  # "караганд" for "караганд*"
        for pattern in patterns:
            first = pattern.words[0]
            kind, key = (self.prefixes, first[:-1]) if first.endswith("*") else (self.exact, first)
            kind.setdefault(key, []).append(pattern)
        self.lengths = sorted({len(prefix) for prefix in self.prefixes})
        # every word of every pattern, for `fits`
        self.words = {w for p in patterns for w in p.words if not w.endswith("*")}
        self.stems = {w[:-1] for p in patterns for w in p.words if w.endswith("*")}
        self.stem_lengths = sorted({len(stem) for stem in self.stems})

    def fits(self, token: str) -> bool:
        """Whether the token fits any word of any pattern, wherever in it (`_fits`)."""
        return token in self.words or any(token[:n] in self.stems for n in self.stem_lengths if n <= len(token))

    def starting(self, token: str) -> list[Pattern]:
        found = list(self.exact.get(token, ()))
        for length in self.lengths:
            if length > len(token):
                break
            found += self.prefixes.get(token[:length], ())
        return found


@dataclass(frozen=True)
class Region:
    id: str
    group: str
    name: dict[str, str]


@dataclass(frozen=True)
class RegionGroup:
    id: str
    name: dict[str, str]


@dataclass(frozen=True)
class Regions:
    regions: tuple[Region, ...]
    groups: tuple[RegionGroup, ...]
    patterns: tuple[Pattern, ...]

    @functools.cached_property
    def first_words(self) -> FirstWords:
        return FirstWords(self.patterns)

    def get(self, region_id: str) -> Region | None:
        return next((r for r in self.regions if r.id == region_id), None)

    def of_group(self, group_id: str) -> tuple[Region, ...]:
        return tuple(r for r in self.regions if r.group == group_id)

    def find(self, text: str) -> str | None:
        """The one region the text names; None if it names none, or two different ones."""
        named = self._named(words(text))
        return named[0] if named else None

    def answer(self, text: str) -> str | None:
        """The region when the text is only its name ("Караганда", "в Караганде", "Қарағанды облысы"):
        a user answering "which region?" by typing instead of choosing."""
        tokens = words(text)
        if not all(t in FILLER or self.first_words.fits(t) for t in tokens):
            return None  # a word that is neither filler nor in any region's name: most questions, at once
        named = self._named(tokens)
        if named is None:
            return None
        rest = [t for i, t in enumerate(tokens) if i not in named[1]]
        return named[0] if all(t in FILLER for t in rest) else None

    def _named(self, tokens: list[str]) -> tuple[str, set[int]] | None:
        """The one region named and the positions of its words, or None."""
        found = [(p.weight, span, p.region) for start, token in enumerate(tokens)
                 for p in self.first_words.starting(token) if (span := p.at(tokens, start)) is not None]
        kept = [
            (span, region)
            for weight, span, region in found
            if not any(w > weight and s[0] <= span[0] and span[1] <= s[1] for w, s, _r in found)
        ]
        if len({region for _span, region in kept}) != 1:
            return None
        return kept[0][1], {i for span, _region in kept for i in range(*span)}


def words(text: str) -> list[str]:
    return _WORD.findall(text.lower().replace("ё", "е"))


def _fits(pattern: str, token: str) -> bool:
    return token.startswith(pattern[:-1]) if pattern.endswith("*") else token == pattern


def names(c: Collector, data: dict[str, Any], where: str, field: str = "name") -> dict[str, str]:
    """A kk/ru pair of texts, each present and non-empty."""
    value = data.get(field)
    pair = {lang: value.get(lang) for lang in LANGS} if isinstance(value, dict) else {}
    if not all(isinstance(text, str) and text.strip() for text in pair.values()) or len(pair) != len(LANGS):
        c.error(f"{where}.{field}", "must give the text in kk and ru")
        return {}
    return {lang: text.strip() for lang, text in pair.items()}


def parse_regions(data: Any, problems: list[Problem], file: str = FILE) -> Regions:
    """Validate the table; every problem names the region and field."""
    c = Collector(file, problems)
    if not isinstance(data, dict):
        c.error("regions", "the file must hold `groups` and `regions`")
        return Regions((), (), ())
    groups = tuple(
        RegionGroup(str(g.get("id")), names(c, g, f"groups.{g.get('id')}"))
        for g in data.get("groups") or []
        if isinstance(g, dict)
    )
    known_groups = {g.id for g in groups} | {CITY}
    regions, patterns = [], []
    for item in data.get("regions") or []:
        where = f"regions.{item.get('id') if isinstance(item, dict) else '?'}"
        if not isinstance(item, dict) or not re.fullmatch(r"[a-z_]+", str(item.get("id", ""))):
            c.error(where, "each region needs an id of a-z and _")
            continue
        if item.get("group") not in known_groups:
            c.error(f"{where}.group", f"must be one of {', '.join(sorted(known_groups))}")
        spellings = item.get("words") or []
        if not spellings or not all(isinstance(w, str) and w.strip() for w in spellings):
            c.error(f"{where}.words", "list at least one way people write the region")
            spellings = []
        regions.append(Region(item["id"], str(item.get("group")), names(c, item, where)))
        patterns.extend(Pattern(item["id"], tuple(w.lower().replace("ё", "е").split())) for w in spellings)
    ids = [r.id for r in regions]
    for dup in sorted({i for i in ids if ids.count(i) > 1}):
        c.error(f"regions.{dup}", "the id appears twice")
    return Regions(tuple(regions), groups, tuple(patterns))


def load_regions(root: Path) -> tuple[Regions, list[Problem]]:
    problems: list[Problem] = []
    data = _read_yaml(root / FILE, problems)
    if problems:
        return Regions((), (), ()), problems
    return parse_regions(data, problems, str(root / FILE)), problems
