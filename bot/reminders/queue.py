"""The adapter between the reminders and the outbox (main's `bot.pipeline.outbound`), and nothing else.

A reminder is kept as one row of the outbox (`outbound_messages`) on a channel of
its own ("rem:telegram", "rem:whatsapp"), so it rides the outbox's
durable lanes, retries and deadline without queueing behind (or ahead of) a chat's
answers; its body is only the reminder's id: the text is written when it goes
out, in the user's language and for the channel's window. The queue builds its
own lanes on these channels (`Lanes`, given by `service.py`) with its send, active
only while this instance holds the reminders' lease (`holding`), so one process
sends them, within its pacing. Main's outbox takes one message per call; the rows are
written here in batches instead (its table, its columns), until the outbox
offers a batch of its own. Switching to another outbox means changing this file.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.db.models import OutboundMessage, User
from bot.pipeline import jsonio
from bot.pipeline.outbound import Outbound, Send
from bot.pipeline.outcome import Outcome
from bot.reminders.tables import SentReminder

PREFIX = "rem:"  # outbound_messages.channel holds 16 characters
CHANNELS = ("telegram", "whatsapp")
NEW, QUEUED = "new", "queued"
BATCH = 1000
sent, users, messages = SentReminder.__table__, User.__table__, OutboundMessage.__table__
Deliver = Callable[[int], Awaitable[Outcome]]
Lanes = Callable[[Mapping[str, Send], Callable[[], bool]], Outbound]  # (its sends, whether it sends now) -> lanes


class ReminderQueue:
    def __init__(self, engine: AsyncEngine, running: Sequence[str], deliver: Deliver, lanes: Lanes) -> None:
        """`running`: the messengers this desk runs; `lanes`: builds the reminders' own outbound lanes."""
        self.engine = engine
        self.channels = tuple(c for c in CHANNELS if c in running)
        self.deliver = deliver
        self.holding = False  # this instance holds the reminders' lease: its lanes send them
        self.outbound = lanes({PREFIX + channel: self._send for channel in self.channels}, lambda: self.holding)

    async def hand_over(self, now: dt.datetime) -> int:
        """Every stored (`new`) reminder into the outbox, a batch per transaction; returns how many.

        The rows are taken with a conditional UPDATE and their outbox messages written in the
        same transaction, so a reminder is handed over once, whatever dies when; one statement
        per batch instead of the outbox's one transaction per message (`put`), which made the
        hand-over, not the platforms, the slow part of a large event.
        """
        handed = 0
        while True:
            async with self.engine.begin() as conn:
                batch = select(sent.c.id).where(sent.c.status == NEW).order_by(sent.c.id).limit(BATCH)
                taken = [row.id for row in await conn.execute(
                    update(sent).where(sent.c.id.in_(batch), sent.c.status == NEW).values(status=QUEUED)
                    .returning(sent.c.id))]
                if not taken:
                    return handed
                chats = await conn.execute(select(sent.c.id, users.c.channel, users.c.external_id)
                                           .join(users, users.c.id == sent.c.user_id).where(sent.c.id.in_(taken)))
                await conn.execute(insert(messages), [
                    {"channel": PREFIX + row.channel, "chat_id": row.external_id,
                     "body": jsonio.dumps({"reminder": row.id}), "status": "pending", "attempts": 0,
                     "next_attempt_at": now, "deadline_at": now + self.outbound.policy.deadline, "claim": "",
                     "error": "",
                     "created_at": now} for row in chats])
            handed += len(taken)

    def open(self) -> None:
        """This instance sends the reminders (it holds the lease)."""
        self.holding = True

    def close(self) -> None:
        """Another instance sends them: this one's lanes leave their rows alone."""
        self.holding = False

    async def _send(self, chat_id: str, body: dict[str, Any]) -> Outcome:
        return await self.deliver(int(body["reminder"]))
