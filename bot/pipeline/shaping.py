"""What goes next into the consultants' group: a ticket's waiting texts shaped into few posts.

Telegram takes about 20 posts a minute into one group, so a user who writes faster
than that, or forty users at once, would leave the consultants minutes behind if
each message were a post of its own. While a ticket's messages wait for the
group's pace, the user's texts that queue up behind each other go out as one post,
oldest first, each part headed by the time it was written. Files, cards and the
desk's notices keep their own posts, in their place, so a merge never jumps over
them. A merged post always fits one message; a single text longer than that goes
alone, and the channel sends its start with the whole text attached.

Pure: the scheduler hands over one conversation's open messages and sends what
`next_post` answers, so the rules are tested without a database or a platform.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from handlers.ports import RelayKind

PART_GAP = "\n\n"  # between two parts of a merged post


def clock_time(at: dt.datetime) -> str:
    return at.strftime("%H:%M")


@dataclass(frozen=True)
class Waiting:
    """One open message of a conversation (one ticket, one direction), as the scheduler found it."""

    id: int
    kind: RelayKind
    text: str
    at: dt.datetime
    due: bool  # pending and due now (not claimed by a worker, not waiting for a retry)


@dataclass(frozen=True)
class Post:
    """One send: the messages it delivers (oldest first) and its text."""

    ids: tuple[int, ...]
    text: str

    @property
    def merged(self) -> bool:
        return len(self.ids) > 1


@dataclass(frozen=True)
class Shaper:
    """Merges a user's waiting texts into posts of at most `limit`, measured by `size`.

    `stamp` writes a part's time as the consultants read it (their time zone).
    """

    limit: int
    size: Callable[[str], int] = len
    stamp: Callable[[dt.datetime], str] = clock_time

    def part(self, message: Waiting) -> str:
        return f"🕑 {self.stamp(message.at)}\n{message.text}"

    def next_post(self, conversation: Sequence[Waiting]) -> Post | None:
        """The next post of a conversation whose open messages are given oldest first.

        None when its first message is not due (claimed elsewhere, or waiting for a retry:
        nothing after it may overtake it). A user's text takes along the due texts right
        behind it while they fit one post; anything else goes as it is.
        """
        if not conversation or not conversation[0].due:
            return None
        head = conversation[0]
        if head.kind is not RelayKind.TEXT:
            return Post((head.id,), head.text)
        taken, text = [head], self.part(head)
        for message in conversation[1:]:
            if message.kind is not RelayKind.TEXT or not message.due:
                break
            longer = text + PART_GAP + self.part(message)
            if self.size(longer) > self.limit:
                break
            taken.append(message)
            text = longer
        if len(taken) == 1:  # nothing waited behind it: the text as the user wrote it
            return Post((head.id,), head.text)
        return Post(tuple(message.id for message in taken), text)

    def merged(self, messages: Sequence[Waiting]) -> str:
        """The text of a post of several messages: each part headed by its time."""
        return PART_GAP.join(self.part(message) for message in messages)


def preview(text: str, room: int, size: Callable[[str], int] = len) -> str:
    """The start of a long text in at most `room` units, cut at a word and ended with "…"."""
    if size(text) <= room:
        return text
    cut = text[:room]
    while cut and size(cut) > room - 1:  # `size` may count some characters twice (UTF-16)
        cut = cut[:-1]
    word_end = cut.rstrip().rfind(" ")
    if word_end > room // 2:  # a word boundary not too far back
        cut = cut[:word_end]
    return cut.rstrip() + "…"

