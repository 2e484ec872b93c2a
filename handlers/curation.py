"""What the consultants' curation commands need from the shell: drafts, transcripts, the live base.

`/faq` turns a consultant's answer into a draft entry (`handlers.faq`); `/kb`
sends a current entry's answer to the user (`handlers.canned`). The base is
asked for on each use: a reload swaps it while the desk runs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Protocol

from handlers.ports import Direction
from knowledge import Matcher

Masker = Callable[[str, Iterable[str]], str]  # text, names known -> text without personal data


@dataclass(frozen=True)
class NewDraft:
    """An entry proposed from a ticket (or from a gap: no ticket): `entry` is the YAML-ready mapping,
    in one language."""

    ticket_id: int | None
    lang: str
    author: str
    entry: dict[str, Any]


@dataclass(frozen=True)
class Line:
    """One stored message of a ticket's conversation."""

    direction: Direction
    kind: str
    author: str
    text: str


class DraftStore(Protocol):
    async def create(self, draft: NewDraft) -> tuple[int, str]:
        """Store the draft; its number and the entry id it was given."""


class Transcript(Protocol):
    async def lines(self, ticket_id: int) -> list[Line]:
        """The ticket's messages in order (user's, consultants', notes)."""


@dataclass
class Curation:
    drafts: DraftStore
    transcript: Transcript
    matcher: Callable[[], Matcher]  # the base serving now
    mask: Masker
