"""Per-user inbound rate limits: in memory for one instance, in Redis for several.

Both count a user's messages in a window that opens with their first message
and lasts a minute. Over the limit, the first message gets a notice and the
rest get silence; the "told" mark lives on while the flood goes on, so a
user who keeps flooding is told once, not once a minute.
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import TypeVar

from redis.asyncio import Redis
from redis.exceptions import RedisError

from bot.ops.metrics import Metrics
from handlers.ports import Flood, InboundLimiter

log = logging.getLogger(__name__)
WINDOW = 60  # seconds: the limit is "per minute"
TOLD_FOR = 2 * WINDOW  # the notice is not repeated while messages keep coming within this
V = TypeVar("V")


def verdict(count: int, limit: int, first_notice: bool) -> Flood:
    if count <= limit:
        return Flood.ALLOW
    return Flood.NOTIFY if first_notice else Flood.SILENT


class MemoryLimiter:
    """One instance's counts; enough when a single `serve` runs.

    Both maps are kept in the order their entries expire (the clock only moves on,
    so a new or renewed entry goes last), and forgetting the expired ones looks at
    those alone: a check costs the same with ten users in the minute as with a
    hundred thousand (a sweep of every entry on each check was the dearest part of a
    check with many users: benchmarks/README.md).
    """

    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = per_minute
        self.clock = clock
        self._windows: OrderedDict[str, tuple[float, int]] = OrderedDict()  # key -> (window end, count)
        self._told: OrderedDict[str, float] = OrderedDict()  # key -> told mark's end

    async def check(self, key: str) -> Flood:
        now = self.clock()
        _forget_expired(self._windows, now, lambda window: window[0])
        _forget_expired(self._told, now, lambda end: end)
        end, count = self._windows.get(key, (now + WINDOW, 0))  # a new window goes last: it ends last
        self._windows[key] = (end, count + 1)  # an open one keeps its place
        if count + 1 <= self.limit:
            return Flood.ALLOW
        first = key not in self._told
        self._told[key] = now + TOLD_FOR
        self._told.move_to_end(key)  # renewed: it now ends last
        return verdict(count + 1, self.limit, first)

    def __len__(self) -> int:
        """Users with an open window: what the limiter holds in memory."""
        return len(self._windows)


def _forget_expired(entries: OrderedDict[str, V], now: float, end_of: Callable[[V], float]) -> None:
    """Drop the expired entries from the front (an OrderedDict: a plain dict's front fills with
    deleted slots, which every look at it would walk again)."""
    while entries and end_of(entries[next(iter(entries))]) <= now:
        entries.popitem(last=False)


class RedisLimiter:
    """Counts shared by every instance on one Redis; if Redis fails, messages are let through.

    A desk that stops answering because its limiter is down would punish
    every user for an operator's problem, so errors allow and are logged.
    """

    def __init__(self, redis: Redis, per_minute: int, prefix: str = "desk:flood:") -> None:
        self.redis = redis
        self.limit = per_minute
        self.prefix = prefix

    async def check(self, key: str) -> Flood:
        count_key, told_key = f"{self.prefix}n:{key}", f"{self.prefix}told:{key}"
        try:
            async with self.redis.pipeline(transaction=True) as pipe:
                pipe.set(count_key, 0, ex=WINDOW, nx=True)  # the window opens with the first message
                pipe.incr(count_key)
                _, count = await pipe.execute()
            if count <= self.limit:
                return Flood.ALLOW
            first = bool(await self.redis.set(told_key, 1, ex=TOLD_FOR, nx=True))
            if not first:
                await self.redis.expire(told_key, TOLD_FOR)
            return verdict(count, self.limit, first)
        except (RedisError, OSError) as exc:
            log.warning("rate limit not checked, Redis failed: %r", exc)
            return Flood.ALLOW


class MeteredLimiter:
    """Counts the messages held back, by channel (the key starts with it)."""

    def __init__(self, inner: InboundLimiter, metrics: Metrics) -> None:
        self.inner = inner
        self.metrics = metrics

    async def check(self, key: str) -> Flood:
        flood = await self.inner.check(key)
        if flood is not Flood.ALLOW:
            self.metrics.rate_limited.labels(key.partition(":")[0]).inc()
        return flood


def build_limiter(per_minute: int, redis: Redis | None, metrics: Metrics) -> InboundLimiter | None:
    """Redis when configured (shared by the instances), else memory; None when turned off."""
    if per_minute <= 0:
        return None
    inner: InboundLimiter = RedisLimiter(redis, per_minute) if redis is not None else MemoryLimiter(per_minute)
    return MeteredLimiter(inner, metrics)
