"""The scheduler of every message to a chat: one lane per destination, each message sent once.

Every message (answers, menus, notices, and the consultants' replies to a user) is written
before it is sent: a message made while an update is processed is stored in the transaction
that records the update done (`Inbox`), a consultant's reply with its transcript row
(`bot.pipeline.user_relays`), any other when it is put. The instance that wrote it then sends
it from memory, in its destination's lane: each chat is a lane of its own, so a slow or
rate-limited chat never delays another's, and a chat's messages keep their order whoever
wrote them. Successes are marked sent in batches. A message that must wait (429, 5xx, a
timeout: `RetryPolicy`) goes back to the table with the ones queued behind it, and the lane
resumes from the table when it is due (`bot.pipeline.outbound_table`). Each channel's send
is given at construction; a scheduler reads and sends only its own channels' rows.
"""

from __future__ import annotations

import collections
import contextlib
import functools
import itertools
from collections.abc import Iterator, Sequence
from contextvars import ContextVar
from typing import Any

from sqlalchemy import Connection

from bot.db.batch import GroupCommit
from bot.pipeline import outbound_table as table
from bot.pipeline import relay_table
from bot.pipeline.lanes import Lanes, Send
from bot.pipeline.outbound_table import Message
from handlers.ports import Relay

__all__ = ["Outbound", "Send"]
_collected: ContextVar[list[Message] | None] = ContextVar("outbound_collected", default=None)


class Outbound(Lanes):
    """Writes the messages to chats, then sends them in their lanes (`Lanes`)."""

    # Built on first use: the lanes' constructor takes every collaborator (`Lanes`).
    @functools.cached_property
    def _stores(self) -> GroupCommit[list[Message], None]:
        return GroupCommit(self.engine, self._store_batches)

    @functools.cached_property
    def _releases(self) -> GroupCommit[tuple[str, str], int]:
        return GroupCommit(self.engine, self._release_batches)

    @functools.cached_property
    def _batches(self) -> Iterator[int]:
        return itertools.count(1)

    # -- writing -------------------------------------------------------------
    @contextlib.contextmanager
    def collecting(self) -> Iterator[list[Message]]:
        """Messages put inside are collected, not written: the inbox stores them with its outcome."""
        made: list[Message] = []
        token = _collected.set(made)
        try:
            yield made
        finally:
            _collected.reset(token)

    async def put(self, channel: str, chat_id: str, bodies: Sequence[dict[str, Any]]) -> None:
        """Messages to one chat, in order: collected for the update being processed, else written
        now and sent."""
        batch, now = next(self._batches), self.clock()
        made = [Message(channel, chat_id, body, now + self.policy.deadline, table.new_claim(), batch)
                for body in bodies]
        collected = _collected.get()
        if collected is not None:
            collected.extend(made)
        elif made:
            await self._stores.submit(made)
            await self.hand_over(made)

    async def put_relay(self, relay: Relay) -> int:
        """A consultant's message to a user: its transcript row and its message in the user's lane,
        written in one transaction (never collected: it is not the processed update's answer)."""
        if self.relays is None:
            raise RuntimeError("an Outbound without relays cannot send consultants' messages")
        async with self.engine.begin() as conn:
            row_id, channel, chat_id = await self.relays.write(conn, relay)
            made = [Message(channel, chat_id, {}, self.clock() + self.policy.deadline, table.new_claim(),
                            relay=row_id)]
            await conn.run_sync(self.store, made)
        await self.hand_over(made)
        return row_id

    async def release_held(self, channel: str, chat_id: str) -> int:
        """The user wrote again: the replies held for them go out now, first in their chat; how many.

        Every inbound WhatsApp message asks, so concurrent asks share one UPDATE (group commit)."""
        released = await self._releases.submit((channel, chat_id))
        if released:
            self._waiting.add((channel, chat_id))  # what is handed over next queues behind them
            self._start((channel, chat_id))
        return released

    def _release_batches(self, conn: Connection, chats: Sequence[tuple[str, str]]) -> list[int]:
        now = self.clock()
        released = table.release_held(conn, chats, now, now + self.policy.deadline)
        relay_table.release(conn, [relay for _channel, _chat, relay in released if relay])
        counts = collections.Counter((channel, chat) for channel, chat, _relay in released)
        return [counts.pop(asked, 0) for asked in chats]  # a chat asked twice in one batch: its first ask counts

    def store(self, conn: Connection, made: Sequence[Message]) -> None:
        """Write collected messages in the caller's transaction (the inbox's outcomes)."""
        table.store(conn, made, self.owner, self.clock())

    def _store_batches(self, conn: Connection, batches: Sequence[list[Message]]) -> list[None]:
        self.store(conn, [message for batch in batches for message in batch])
        return [None] * len(batches)

