"""Plain data types of the knowledge base (both languages side by side)."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Literal

Lang = Literal["kk", "ru"]
LANGS: tuple[Lang, ...] = ("kk", "ru")


class Action(StrEnum):
    """What the desk does when an entry is the best match."""

    ANSWER = "answer"
    ESCALATE = "escalate"
    SMALLTALK = "smalltalk"
    DECLINE = "decline"  # out-of-scope neighbour: say it is not ours


@dataclass(frozen=True)
class Source:
    """A legal act (and article) an answer rests on."""

    act: str
    article: str = ""
    url: str = ""


@dataclass(frozen=True)
class Category:
    """A menu section; entries point to it by id."""

    id: str
    title: dict[str, str]
    order: int = 0


@dataclass(frozen=True)
class Entry:
    """One curated topic with its phrasings and answer in Kazakh and Russian."""

    id: str
    category: str
    action: Action
    title: dict[str, str]
    questions: dict[str, tuple[str, ...]]
    keywords: dict[str, tuple[str, ...]]
    answer: dict[str, str]
    checked: dt.date
    review_by: dt.date  # the curator re-checks the facts by then (`kb check` lists overdue entries)
    owner: str  # who keeps the entry true: a role or a name
    link: str = ""
    sources: tuple[Source, ...] = ()
    related: tuple[str, ...] = ()
    path: str = ""

    def to_record(self) -> dict[str, object]:
        """All fields as JSON-ready data (for `kb export`)."""
        return {
            "id": self.id,
            "category": self.category,
            "action": self.action.value,
            "title": dict(self.title),
            "questions": {lang: list(q) for lang, q in self.questions.items()},
            "keywords": {lang: list(k) for lang, k in self.keywords.items()},
            "answer": dict(self.answer),
            "link": self.link,
            "sources": [asdict(s) for s in self.sources],
            "checked": self.checked.isoformat(),
            "review_by": self.review_by.isoformat(),
            "owner": self.owner,
            "related": list(self.related),
            "path": self.path,
        }


@dataclass(frozen=True)
class KnowledgeBase:
    """The loaded base: entries by id, in a stable order, and the menu categories."""

    entries: tuple[Entry, ...]
    categories: tuple[Category, ...]
    synonyms: dict[str, tuple[str, ...]] = field(default_factory=dict)
    mci: dict[int, int] = field(default_factory=dict)  # year -> tenge per MCI (mci.yaml)
    by_id: dict[str, Entry] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_id", {e.id: e for e in self.entries})

    def get(self, entry_id: str) -> Entry | None:
        return self.by_id.get(entry_id)

    def menu_categories(self) -> list[Category]:
        """Categories that hold at least one answerable entry, in menu order."""
        used = {e.category for e in self.entries if e.action is Action.ANSWER}
        return sorted((c for c in self.categories if c.id in used), key=lambda c: c.order)

    def topics(self, category_id: str) -> list[Entry]:
        """Answerable entries of one category, in file order."""
        return [e for e in self.entries if e.category == category_id and e.action is Action.ANSWER]
