"""A platform delivering a burst of updates to a `serve` process as Telegram does: each until it
is acknowledged with a 200 (a 503 or a dropped connection is delivered again), a bounded number
in flight. Counts what it saw, for the fault tests and the README."""

from __future__ import annotations

import asyncio
import itertools
import time
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from tests.channels.telegram.chat import TelegramUser
from tests.faults.serve import Served

update_ids = itertools.count(2_000_000)
REDELIVERY_PAUSE = 0.3  # Telegram waits longer; the tests keep the same logic in less time


def text_update(chat: int, text: str = "/help", first_name: str = "Айгүл") -> dict[str, Any]:
    """One private chat's message; /help is answered with exactly one sendMessage."""
    user = TelegramUser(None, None, None, id=chat, first_name=first_name,  # type: ignore[arg-type]
                        update_ids=update_ids)
    return user.text_update(text)


@dataclass
class Platform:
    """Delivers updates until each is acknowledged, keeping count of what the server answered."""

    server: Served
    in_flight: int = 16
    deadline: float = 40.0  # seconds for the whole burst, outages included
    interval: float = 0.0  # seconds between the first deliveries of two updates
    statuses: dict[int, int] = field(default_factory=dict)  # HTTP status -> how many answers
    slowest: float = 0.0  # the longest a single POST took, in seconds

    async def deliver_all(self, updates: list[dict[str, Any]]) -> None:
        gate = asyncio.Semaphore(self.in_flight)
        async with aiohttp.ClientSession() as session, asyncio.timeout(self.deadline):
            await asyncio.gather(*(self._until_acknowledged(session, gate, update, n * self.interval)
                                   for n, update in enumerate(updates)))

    async def _until_acknowledged(self, session: aiohttp.ClientSession, gate: asyncio.Semaphore,
                                  update: dict[str, Any], after: float) -> None:
        await asyncio.sleep(after)
        while True:
            async with gate:
                started = time.monotonic()
                status = await self.server.post(session, update)
                self.slowest = max(self.slowest, time.monotonic() - started)
            self.statuses[status] = self.statuses.get(status, 0) + 1
            if status == 200:
                return
            await asyncio.sleep(REDELIVERY_PAUSE)

    @property
    def acknowledged(self) -> int:
        return self.statuses.get(200, 0)

    @property
    def refused(self) -> int:
        """Deliveries answered with something else than 200 (delivered again)."""
        return sum(count for status, count in self.statuses.items() if status != 200)
