"""The relay outbox's shaping step for the consultants' group, on its `shape` and `merge` hooks.

The outbox hands over the group's rows that may go now (each conversation's rows up to the
first that must wait), oldest first; `shape` answers the posts, in order, and `merge` the
delivery of one post. Only a user's texts are merged (by the `Shaper`); cards, files and
notices go alone. A post's rows are then claimed together or not at all, and settled with
its outcome. (Messages for users never come here: they go in the user's chat lane.)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from bot.db.models import aware
from bot.pipeline.relay_rows import Delivery, delivery_of
from bot.pipeline.relay_table import Row
from bot.pipeline.shaping import Shaper, Waiting
from handlers.ports import RelayKind


@dataclass(frozen=True)
class ShapedPosts:
    shaper: Shaper

    def shape(self, rows: Sequence[Row]) -> list[list[Row]]:
        """The posts of these rows, each conversation's in order."""
        posts: list[list[Row]] = []
        taken: set[int] = set()
        for index, (row, _ticket) in enumerate(rows):
            if row.id in taken:
                continue
            conversation = [item for item in rows[index:]
                            if (item[0].ticket_id, item[0].direction) == (row.ticket_id, row.direction)]
            post = self.shaper.next_post([_waiting(item) for item in conversation])
            ids = post.ids if post is not None else (row.id,)
            posts.append([item for item in conversation if item[0].id in ids])
            taken.update(ids)
        return posts

    def merge(self, post: list[Row]) -> Delivery:
        """One post's delivery: a merged post's text, counted as the attempt of its most tried row."""
        row, ticket = post[0]
        first = delivery_of(row, ticket)
        if len(post) == 1:
            return first
        return replace(first, text=self.shaper.merged([_waiting(item) for item in post]),
                       attempt=max(item.attempts for item, _ticket in post) + 1)


def _waiting(item: Row) -> Waiting:
    row, _ticket = item
    return Waiting(row.id, RelayKind(row.kind), row.text, aware(row.created_at), due=True)
