"""Per-user inbound limits: the same verdicts in memory and in Redis, and shared between instances."""

from __future__ import annotations

import pytest
from redis.asyncio import Redis

from bot.ops.metrics import Metrics
from bot.pipeline.ratelimit import MemoryLimiter, RedisLimiter, build_limiter
from handlers.ports import Flood

ALLOW, NOTIFY, SILENT = Flood.ALLOW, Flood.NOTIFY, Flood.SILENT


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def verdicts(limiter: MemoryLimiter | RedisLimiter, key: str, count: int) -> list[Flood]:
    return [await limiter.check(key) for _ in range(count)]


async def test_over_the_limit_the_first_message_is_told_and_the_rest_are_silent() -> None:
    limiter = MemoryLimiter(3, Clock())
    assert await verdicts(limiter, "telegram:1", 7) == [ALLOW] * 3 + [NOTIFY] + [SILENT] * 3
    assert await verdicts(limiter, "telegram:2", 1) == [ALLOW]  # others are not affected


async def test_a_new_window_allows_again_and_a_flood_that_goes_on_is_told_once() -> None:
    clock = Clock()
    limiter = MemoryLimiter(2, clock)
    assert await verdicts(limiter, "u", 3) == [ALLOW, ALLOW, NOTIFY]
    clock.now += 61  # next minute: allowed again, but still flooding -> no second notice
    assert await verdicts(limiter, "u", 4) == [ALLOW, ALLOW, SILENT, SILENT]
    clock.now += 181  # calm for longer than the mark lasts: a new flood is told again
    assert await verdicts(limiter, "u", 3) == [ALLOW, ALLOW, NOTIFY]


async def test_users_whose_minute_is_over_are_forgotten_and_the_others_kept() -> None:
    clock = Clock()
    limiter = MemoryLimiter(2, clock)
    for user in range(1000):
        await limiter.check(f"early:{user}")
    clock.now += 30
    assert await verdicts(limiter, "late", 3) == [ALLOW, ALLOW, NOTIFY]
    assert await verdicts(limiter, "early:7", 2) == [ALLOW, NOTIFY]  # its window, opened first, is still open
    clock.now += 31  # the early windows are over, the late one is not
    assert await limiter.check("late") is SILENT
    assert len(limiter) == 1
    assert await verdicts(limiter, "early:7", 2) == [ALLOW, ALLOW]  # a new window


async def test_a_flood_mark_renewed_later_outlives_marks_set_after_it() -> None:
    clock = Clock()
    limiter = MemoryLimiter(1, clock)
    assert await verdicts(limiter, "first", 2) == [ALLOW, NOTIFY]
    clock.now += 10
    assert await verdicts(limiter, "second", 2) == [ALLOW, NOTIFY]
    clock.now += 100  # both windows are over; the first floods again within its mark, renewing it
    assert await verdicts(limiter, "first", 2) == [ALLOW, SILENT]
    clock.now += 65  # the second's mark is over, the first's renewed one is not
    assert await verdicts(limiter, "first", 2) == [ALLOW, SILENT]
    assert await verdicts(limiter, "second", 2) == [ALLOW, NOTIFY]


def test_zero_turns_the_limit_off_and_redis_is_used_when_configured() -> None:
    assert build_limiter(0, None, Metrics()) is None
    assert isinstance(build_limiter(5, None, Metrics()).inner, MemoryLimiter)  # type: ignore[union-attr]
    redis = Redis.from_url("redis://127.0.0.1:1/0")
    assert isinstance(build_limiter(5, redis, Metrics()).inner, RedisLimiter)  # type: ignore[union-attr]


async def test_held_back_messages_are_counted_by_channel() -> None:
    metrics = Metrics()
    limiter = build_limiter(1, None, metrics)
    assert limiter is not None
    for _ in range(3):
        await limiter.check("whatsapp:77011234567")
    assert metrics.rate_limited.labels("whatsapp")._value.get() == 2


async def test_redis_gives_the_same_verdicts_and_two_instances_share_them(redis: Redis, prefix: str) -> None:
    first, second = RedisLimiter(redis, 3, prefix), RedisLimiter(redis, 3, prefix)
    assert await verdicts(first, "telegram:1", 2) == [ALLOW, ALLOW]
    assert await verdicts(second, "telegram:1", 3) == [ALLOW, NOTIFY, SILENT]
    assert await verdicts(first, "telegram:1", 1) == [SILENT]
    assert 0 < await redis.ttl(f"{prefix}n:telegram:1") <= 60


async def test_a_redis_that_is_down_lets_messages_through(caplog: pytest.LogCaptureFixture) -> None:
    down = Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=0.5)
    try:
        assert await verdicts(RedisLimiter(down, 1), "u", 3) == [ALLOW] * 3
    finally:
        await down.aclose()
    assert "Redis failed" in caplog.text
