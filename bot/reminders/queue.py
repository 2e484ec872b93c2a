"""The adapter between the reminders and the outbox (`bot.pipeline.outbound`), and nothing else.

`sent_reminders` is the reminders' own queue: a stored reminder waits there (`new`)
however long its event's sending takes. The instance holding the reminders' lease
takes them a batch at a time: one conditional UPDATE marks the batch `queued` and
one multi-row INSERT writes their outbox messages (`outbound_messages`, on channels
of their own, "rem:telegram", "rem:whatsapp"), already claimed by this instance, in
the same transaction; then the outbox sends them from memory, each in its own lane,
and records them sent in its group commits. So a reminder is handed over once,
whatever dies when; a retry (429, 5xx) goes through the outbox's table like any
message, and a restarted instance takes its claims back at start-up.

Only a few batches are in flight at once: the outbox's claims run out after its lease
(an instance that stops sending is taken over), so nothing may wait in memory that long.
The message body is only the reminder's id: the text is written when it
goes out, in the user's language and for the channel's window. The queue builds its
own lanes on these channels (`Lanes`, given by `service.py`) with its send, active
only while this instance holds the reminders' lease (`holding`), so one process
sends them, within its pacing. Switching to another outbox means changing this file.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.db.models import User
from bot.pipeline.outbound import Outbound, Send
from bot.pipeline.outbound_table import Message, new_claim
from bot.pipeline.outcome import Outcome
from bot.reminders.rows import NEW, QUEUED
from bot.reminders.tables import SentReminder

log = logging.getLogger(__name__)
PREFIX = "rem:"  # outbound_messages.channel holds 16 characters
CHANNELS = ("telegram", "whatsapp")
BATCH = 100  # reminders taken per transaction
SCAN = 500  # waiting reminders read per transaction, to find a channel's batch among them
AHEAD = 4  # a messenger's batches in flight at most: seconds of sending at the platforms' pace, far below
# the outbox's lease (a claim held in memory longer would be taken back and sent again)
STALL = 60.0  # seconds without one reminder coming back before the ones in flight are no longer waited for
sent, users = SentReminder.__table__, User.__table__
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
        self._flight: dict[str, set[int]] = {}  # per channel: reminders handed to the outbox, not yet tried
        self._back = asyncio.Event()  # one came back from the outbox
        self._sending: asyncio.Task[int] | None = None

    async def waiting(self) -> int:
        """Reminders stored and not yet handed to the outbox."""
        async with self.engine.connect() as conn:
            return int(await conn.scalar(select(func.count()).select_from(sent).where(sent.c.status == NEW)) or 0)

    async def send(self) -> int:
        """Hand every waiting reminder to the outbox, a batch at a time as the ones before go out,
        each messenger on its own (the platforms' limits are per platform: one must not wait for
        the other); returns how many. Nothing while another instance sends them."""
        return sum(await asyncio.gather(*(self._feed(channel) for channel in self.channels)))

    async def _feed(self, channel: str) -> int:
        handed, after = 0, 0
        flight = self._flight.setdefault(channel, set())
        while self.holding:
            await self._room(flight)
            made, after = await self._take(channel, after, self.outbound.clock())
            if after < 0:
                return handed
            flight.update(message.body["reminder"] for message in made)
            await self.outbound.hand_over(made)
            handed += len(made)
        return handed

    async def _room(self, flight: set[int]) -> None:
        """Until fewer than AHEAD batches are in flight. One that never comes back (its lane lost
        the database) holds the rest only for STALL seconds: the outbox's own pass hands it on."""
        while len(flight) > (AHEAD - 1) * BATCH:
            self._back.clear()
            try:
                async with asyncio.timeout(STALL):
                    await self._back.wait()
            except TimeoutError:
                flight.clear()

    async def _take(self, channel: str, after: int, now: dt.datetime) -> tuple[list[Message], int]:
        """The channel's next batch among the waiting reminders above id `after`: marked queued, and
        written to the outbox claimed by this instance, in one transaction. Returns it and the id read
        up to (each channel reads past the other's rows once), -1 when none waits above `after`.

        The waiting ids are read alone, then their users by those ids: a join that picks the rows
        let PostgreSQL plan a nested loop over all of them while the table's statistics still
        predate the event's rows (16 s for 20,000; the statement timeout is 5 s)."""
        async with self.engine.begin() as conn:
            ids = (await conn.scalars(select(sent.c.id).where(sent.c.status == NEW, sent.c.id > after)
                                      .order_by(sent.c.id).limit(SCAN))).all()
            if not ids:
                return [], -1
            rows = (await conn.execute(select(sent.c.id, users.c.channel, users.c.external_id)
                                       .join(users, users.c.id == sent.c.user_id).where(sent.c.id.in_(ids))
                                       .order_by(sent.c.id))).all()
            mine = [row for row in rows if row.channel == channel][:BATCH]
            read_to = mine[-1].id if len(mine) == BATCH else ids[-1]
            taken = set((await conn.scalars(update(sent).where(sent.c.id.in_([row.id for row in mine]),
                                                               sent.c.status == NEW)
                                            .values(status=QUEUED).returning(sent.c.id))).all())
            deadline = now + self.outbound.policy.deadline
            made = [Message(PREFIX + channel, row.external_id, {"reminder": row.id}, deadline, new_claim())
                    for row in mine if row.id in taken]
            await conn.run_sync(self.outbound.store, made)
        return made, read_to

    def open(self) -> None:
        """This instance sends the reminders (it holds the lease)."""
        self.holding = True

    def start(self) -> None:
        """Send what waits in the background (the worker of `serve`), unless that is under way."""
        if self.holding and (self._sending is None or self._sending.done()):
            self._sending = asyncio.create_task(self._background(), name="reminders-send")

    async def _background(self) -> int:
        try:
            return await self.send()
        except Exception as exc:  # the database is away: the next tick starts again
            log.warning("sending reminders stopped: %r", exc)
            return 0

    def close(self) -> None:
        """Another instance sends them: this one's lanes leave their rows alone."""
        self.holding = False
        if self._sending is not None:
            self._sending.cancel()
            self._sending = None

    async def _send(self, chat_id: str, body: dict[str, Any]) -> Outcome:
        reminder_id = int(body["reminder"])
        try:
            return await self.deliver(reminder_id)
        finally:
            for flight in self._flight.values():
                flight.discard(reminder_id)
            self._back.set()
