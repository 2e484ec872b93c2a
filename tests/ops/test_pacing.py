"""Outbound pacing: bursts, then the rate; several keys at once; Telegram's and WhatsApp's limits."""

from __future__ import annotations

import asyncio
import time

from bot.app.config import Settings
from bot.channels.telegram.sender import TelegramLimits
from bot.pipeline.pacing import PRUNE_AT, UNLIMITED, Pacer, Rate


class FakeTime:
    """A clock that moves only when the pacer sleeps (or a test moves it)."""

    def __init__(self) -> None:
        self.now = 0.0

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds


def test_a_burst_goes_at_once_then_one_per_interval() -> None:
    pacer = Pacer(clock=FakeTime().clock)
    assert [round(pacer.book("telegram:1", Rate(1, burst=3)), 6) for _ in range(6)] == [0, 0, 0, 1, 2, 3]


def test_time_refills_the_burst() -> None:
    time_ = FakeTime()
    pacer = Pacer(clock=time_.clock)
    assert [pacer.book("c", Rate(1, burst=2)) for _ in range(3)] == [0, 0, 1]
    time_.now = 10.0
    assert [pacer.book("c", Rate(1, burst=2)) for _ in range(2)] == [0, 0]


async def test_a_send_waits_for_its_chat_then_for_the_overall_budget() -> None:
    time_ = FakeTime()
    pacer = Pacer(clock=time_.clock, sleep=time_.sleep)
    chat, overall = ("telegram:1", Rate(1, burst=1)), ("telegram", Rate(2, burst=1))
    assert [await pacer.wait(chat, overall) for _ in range(2)] == [0, 1]  # the chat's second waits
    assert await pacer.wait(("telegram:2", Rate(1)), overall) == 0.5  # another chat: the overall only


def test_keys_of_quiet_chats_are_forgotten_once_many_are_held() -> None:
    time_ = FakeTime()
    pacer = Pacer(clock=time_.clock)
    for _ in range(5):
        pacer.book("telegram:busy", Rate(1))  # booked up to t=5
    for chat in range(PRUNE_AT):
        pacer.book(f"telegram:{chat}", Rate(1))
    time_.now = 2.0
    assert pacer.book("telegram:new", Rate(1)) == 0
    assert len(pacer) == 2  # the busy chat and the new one
    assert pacer.book("telegram:busy", Rate(1)) == 3.0


def test_unlimited_keys_are_not_booked() -> None:
    pacer = Pacer(clock=FakeTime().clock)
    assert [pacer.book("x", UNLIMITED) for _ in range(100)] == [0] * 100


def test_telegram_limits_from_settings() -> None:
    limits = TelegramLimits.from_settings(Settings(_env_file=None))  # type: ignore[call-arg]
    assert limits.overall == Rate(30, burst=30)
    assert [key for key, _ in limits.slots(4242)] == ["telegram:4242", "telegram"]
    assert limits.slots(4242)[0][1] == Rate(1, burst=3)  # a private chat: about one a second
    assert limits.slots(-1001234)[0][1] == Rate(20 / 60, burst=1)  # a group: 20 a minute, evenly spaced


async def test_concurrent_senders_are_spread_over_time() -> None:
    pacer = Pacer()
    rate = ("whatsapp:1", Rate(50, burst=1))  # 20 ms apart
    started = time.monotonic()
    await asyncio.gather(*(pacer.wait(rate) for _ in range(6)))
    assert 0.09 <= time.monotonic() - started < 0.5
