"""The adapter between the reminders and the outbox (main's `bot.pipeline.outbound`), and nothing else.

A reminder is kept as one row of the outbox on a channel of its own
("reminder:telegram", "reminder:whatsapp"), so it rides the outbox's durable
lanes, retries and deadline without queueing behind (or ahead of) a chat's
answers; its body is only the reminder's id: the text is written when it goes
out, in the user's language and for the channel's window. Only the instance
holding the reminders' lease registers these channels, so one process sends
them, within its pacing. Switching to another outbox means changing this file.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from bot.pipeline.outbound import Outbound
from bot.pipeline.outcome import Outcome

PREFIX = "reminder:"
CHANNELS = ("telegram", "whatsapp")
Deliver = Callable[[int], Awaitable[Outcome]]


class _QuietPuts(logging.Filter):
    """The outbox logs each kept message as a delay; a queued reminder is not one (thousands at once)."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args if isinstance(record.args, tuple) else ()
        return not (args and isinstance(args[0], str) and args[0].startswith(PREFIX)
                    and "kept for a later try" in str(record.msg))


_QUIET = _QuietPuts()


class ReminderQueue:
    def __init__(self, outbound: Outbound, deliver: Deliver) -> None:
        self.outbound = outbound
        self.deliver = deliver
        outbox_log = logging.getLogger(Outbound.__module__)
        if _QUIET not in outbox_log.filters:
            outbox_log.addFilter(_QUIET)

    @property
    def channels(self) -> tuple[str, ...]:
        """The messengers this desk runs (their senders registered with the outbox)."""
        return tuple(c for c in CHANNELS if c in self.outbound.senders)

    async def put(self, channel: str, chat_id: str, reminder_id: int) -> None:
        """Keep one reminder for its first try now."""
        await self.outbound.put(PREFIX + channel, chat_id, [{"reminder": reminder_id}], after=0)

    def open(self) -> None:
        """This instance sends the reminders (it holds the lease)."""
        for channel in self.channels:
            self.outbound.register(PREFIX + channel, self._send)

    def close(self) -> None:
        """Another instance sends them: this one's outbox leaves their rows alone."""
        for channel in CHANNELS:
            self.outbound.senders.pop(PREFIX + channel, None)

    async def drain(self) -> None:
        await self.outbound.drain()

    async def _send(self, chat_id: str, body: dict[str, Any]) -> Outcome:
        return await self.deliver(int(body["reminder"]))
