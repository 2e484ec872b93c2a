"""Outbound pacing: wait before a send rather than be answered 429.

A generic cell-rate (GCRA) pacer: each key (one chat, all chats, one number)
has a rate and a burst. A send books a slot in each of its keys in turn, most
specific first, waiting for each: a message held back by its chat's limit
takes its place in the overall queue only when it is ready, so it never
blocks the other chats. Slots are booked before the wait, so concurrent
senders queue in arrival order instead of waking together. It paces one
process; with several instances, give each its share of the platform's limit.
A 429 is still handled by the senders' retries.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

PRUNE_AT = 10_000  # keys held before the expired ones are forgotten


@dataclass(frozen=True)
class Rate:
    """`per_second` sends, of which `burst` may go out back to back; 0 means unlimited."""

    per_second: float
    burst: int = 1

    @property
    def unlimited(self) -> bool:
        return self.per_second <= 0


UNLIMITED = Rate(0)


class Pacer:
    """Books send slots per key; `wait` sleeps until the slot of the send comes."""

    def __init__(self, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], Awaitable[object]] = asyncio.sleep) -> None:
        self.clock = clock
        self.sleep = sleep
        self._next: dict[str, float] = {}  # key -> theoretical time of its next send
        self._prune_at = PRUNE_AT

    def book(self, key: str, rate: Rate) -> float:
        """Reserve the earliest moment `key` allows a send; returns the seconds to wait for it."""
        if rate.unlimited:
            return 0.0
        now = self.clock()
        if len(self._next) > self._prune_at:
            self._forget_past(now)
        tolerance = (max(rate.burst, 1) - 1) / rate.per_second
        start = max(now, self._next.get(key, now) - tolerance)
        self._next[key] = max(self._next.get(key, now), start) + 1 / rate.per_second
        return start - now

    def _forget_past(self, now: float) -> None:
        """Drop the keys whose next send is already allowed. While most keys are live, the next
        sweep waits for the map to double: sweeping on every send would cost O(keys) each."""
        self._next = {k: t for k, t in self._next.items() if t > now}
        self._prune_at = max(PRUNE_AT, 2 * len(self._next))

    def __len__(self) -> int:
        """Keys held in memory."""
        return len(self._next)

    async def wait(self, *slots: tuple[str, Rate]) -> float:
        """Wait for a slot in every key, in the order given (most specific first); returns the wait."""
        waited = 0.0
        for key, rate in slots:
            delay = self.book(key, rate)
            if delay > 0:
                await self.sleep(delay)
                waited += delay
        return waited
