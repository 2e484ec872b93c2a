"""Per-user inbound rate limits: in memory for one instance, in Redis for several.

Both count a user's messages in a window that opens with their first message
and lasts a minute. Over the limit, the first message gets a notice and the
rest get silence; the "told" mark lives on while the flood goes on, so a
user who keeps flooding is told once, not once a minute.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from redis.asyncio import Redis
from redis.exceptions import RedisError

from bot.metrics import Metrics
from handlers.ports import Flood, InboundLimiter

log = logging.getLogger(__name__)
WINDOW = 60  # seconds: the limit is "per minute"
TOLD_FOR = 2 * WINDOW  # the notice is not repeated while messages keep coming within this
PRUNE_AT = 10_000  # entries kept in memory before expired ones are swept


def verdict(count: int, limit: int, first_notice: bool) -> Flood:
    if count <= limit:
        return Flood.ALLOW
    return Flood.NOTIFY if first_notice else Flood.SILENT


class MemoryLimiter:
    """One instance's counts; enough when a single `serve` runs."""

    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = per_minute
        self.clock = clock
        self._windows: dict[str, tuple[float, int]] = {}  # key -> (window end, count)
        self._told: dict[str, float] = {}  # key -> told mark's end

    async def check(self, key: str) -> Flood:
        now = self.clock()
        if len(self._windows) > PRUNE_AT:
            self._prune(now)
        end, count = self._windows.get(key, (0.0, 0))
        if end <= now:
            end, count = now + WINDOW, 0
        self._windows[key] = (end, count + 1)
        if count + 1 <= self.limit:
            return Flood.ALLOW
        first = self._told.get(key, 0.0) <= now
        self._told[key] = now + TOLD_FOR
        return verdict(count + 1, self.limit, first)

    def _prune(self, now: float) -> None:
        self._windows = {k: v for k, v in self._windows.items() if v[0] > now}
        self._told = {k: v for k, v in self._told.items() if v > now}


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
