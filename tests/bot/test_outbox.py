"""The relay outbox: each message delivered once, in order, retried with bounds, kept across restarts."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.db.models import TicketMessage
from bot.db.store import SqlDeskStore
from bot.db.tickets import SqlTicketStore
from bot.pipeline.outbox import CONSULTANTS, Delivery, Outbox, Outcome
from handlers import Channel
from handlers.ports import DeliveryReport, Direction, NewTicket, Relay, RelayKind
from tests.clock import FakeClock


class Recorder:
    """A deliverer that records what it was given and answers from a script (default: sent)."""

    def __init__(self, *script: Outcome) -> None:
        self.script = list(script)
        self.delivered: list[str] = []

    async def __call__(self, delivery: Delivery) -> Outcome:
        await asyncio.sleep(0)  # let a concurrent worker interleave
        self.delivered.append(delivery.text)
        return self.script.pop(0) if self.script else Outcome.sent("m1")


async def open_ticket(engine: AsyncEngine, chat_id: str = "77011234567") -> int:
    user = await SqlDeskStore(engine).touch_user(Channel.WHATSAPP, chat_id, "Айгерім")
    ticket, _ = await SqlTicketStore(engine).open(NewTicket(
        user.id, Channel.WHATSAPP, chat_id, "Айгерім", "", "kk", (), dt.datetime.now(dt.UTC)))
    return ticket.id


def to_user(ticket_id: int, text: str) -> Relay:
    return Relay(ticket_id, Direction.TO_USER, RelayKind.TEXT, text)


async def statuses(engine: AsyncEngine) -> list[tuple[str, str, int]]:
    async with engine.connect() as conn:
        rows = await conn.execute(select(TicketMessage.text, TicketMessage.status, TicketMessage.attempts)
                                  .order_by(TicketMessage.id))
        return [tuple(row) for row in rows]  # type: ignore[misc]


async def test_two_workers_never_send_the_same_message(engine: AsyncEngine) -> None:
    first, second = Outbox(engine), Outbox(engine)  # two instances of the service on one database
    platform = Recorder()  # what the messenger received, from either instance
    first.register("whatsapp", platform)
    second.register("whatsapp", platform)
    tickets = [await open_ticket(engine, f"7701000000{n}") for n in range(4)]
    for ticket_id in tickets:
        for n in range(5):
            await first.put(to_user(ticket_id, f"{ticket_id}-{n}"))

    await asyncio.gather(first.drain(), second.drain(), first.drain(), second.drain())

    assert sorted(platform.delivered) == sorted(f"{t}-{n}" for t in tickets for n in range(5))  # each once
    for ticket_id in tickets:  # and each conversation in order
        assert [d for d in platform.delivered if d.startswith(f"{ticket_id}-")] == [
            f"{ticket_id}-{n}" for n in range(5)]
    assert {s for _t, s, _a in await statuses(engine)} == {"sent"}


async def test_a_retry_waits_its_turn_and_holds_back_only_its_own_conversation(engine: AsyncEngine) -> None:
    clock = FakeClock()
    outbox = Outbox(engine, clock)
    deliverer = Recorder(Outcome.retry("flood limit", after=7))
    outbox.register(CONSULTANTS, deliverer)
    mine, other = await open_ticket(engine, "1"), await open_ticket(engine, "2")
    await outbox.put(Relay(mine, Direction.TO_CONSULTANTS, RelayKind.TEXT, "first"))
    await outbox.put(Relay(mine, Direction.TO_CONSULTANTS, RelayKind.TEXT, "second"))
    await outbox.put(Relay(other, Direction.TO_CONSULTANTS, RelayKind.TEXT, "elsewhere"))

    await outbox.drain()
    assert deliverer.delivered == ["first", "elsewhere"]
    clock.advance(seconds=6)
    await outbox.drain()
    assert deliverer.delivered == ["first", "elsewhere"]  # Telegram said 7 s
    clock.advance(seconds=1)
    await outbox.drain()
    assert deliverer.delivered == ["first", "elsewhere", "first", "second"]
    assert await statuses(engine) == [("first", "sent", 2), ("second", "sent", 1), ("elsewhere", "sent", 1)]


async def test_retries_are_bounded_and_the_consultant_is_told(engine: AsyncEngine) -> None:
    clock = FakeClock()
    outbox = Outbox(engine, clock, max_attempts=3)
    outbox.register("whatsapp", Recorder(*[Outcome.retry("Graph API 500")] * 3))
    reports: list[tuple[int, DeliveryReport, str]] = []

    async def reporter(ticket_id: int, report: DeliveryReport, detail: str) -> None:
        reports.append((ticket_id, report, detail))

    outbox.reporter = reporter
    ticket_id = await open_ticket(engine)
    await outbox.put(to_user(ticket_id, "жауап"))
    for seconds in (0, 2, 4):  # backoff doubles: 2 s, then 4 s
        clock.advance(seconds=seconds)
        await outbox.drain()

    assert await statuses(engine) == [("жауап", "failed", 3)]
    assert reports == [(ticket_id, DeliveryReport.FAILED, "Graph API 500")]


async def test_a_claim_left_by_a_dead_worker_is_taken_again_after_the_lease(engine: AsyncEngine) -> None:
    clock = FakeClock()
    ticket_id = await open_ticket(engine)
    crashed = Outbox(engine, clock)
    await crashed.put(to_user(ticket_id, "жауап"))
    async with crashed.sessions.begin() as session:  # claimed, then the process died mid-send
        await session.execute(update(TicketMessage).values(status="sending", claim="dead", claimed_at=clock()))

    restarted = Outbox(engine, clock, lease=120)
    deliverer = Recorder()
    restarted.register("whatsapp", deliverer)
    await restarted.drain()
    assert deliverer.delivered == []  # the other worker may still be sending it
    clock.advance(seconds=121)
    await restarted.drain()
    assert deliverer.delivered == ["жауап"]


async def test_held_messages_wait_for_the_user_and_notes_are_never_sent(engine: AsyncEngine) -> None:
    outbox = Outbox(engine)
    deliverer = Recorder(Outcome.held(DeliveryReport.HELD_INVITED))
    outbox.register("whatsapp", deliverer)
    reports: list[DeliveryReport] = []

    async def reporter(ticket_id: int, report: DeliveryReport, detail: str) -> None:
        reports.append(report)

    outbox.reporter = reporter
    ticket_id = await open_ticket(engine)
    await outbox.put(Relay(ticket_id, Direction.NOTE, RelayKind.NOTE, "ішкі жазба"))
    await outbox.put(to_user(ticket_id, "жауап"))
    await outbox.drain()
    await outbox.drain()
    assert deliverer.delivered == ["жауап"]
    assert await statuses(engine) == [("ішкі жазба", "internal", 0), ("жауап", "held", 1)]

    assert await outbox.release_held("whatsapp", "77011234567") == 1
    await outbox.drain()
    assert deliverer.delivered == ["жауап", "жауап"]
    assert reports == [DeliveryReport.HELD_INVITED, DeliveryReport.DELIVERED_AFTER_HOLD]


async def test_a_deliverer_that_raises_is_retried_not_fatal(engine: AsyncEngine,
                                                          caplog: pytest.LogCaptureFixture) -> None:
    outbox = Outbox(engine, FakeClock())

    async def broken(delivery: Delivery) -> Outcome:
        raise RuntimeError("bug")

    outbox.register("whatsapp", broken)
    await outbox.put(to_user(await open_ticket(engine), "жауап"))
    await outbox.drain()
    assert await statuses(engine) == [("жауап", "pending", 1)]
    assert "delivery raised" in caplog.text


async def test_the_worker_of_the_service_delivers_what_is_put(engine: AsyncEngine) -> None:
    outbox = Outbox(engine, poll=60)
    delivered = asyncio.Event()
    deliverer = Recorder()

    async def signal(delivery: Delivery) -> Outcome:
        outcome = await deliverer(delivery)
        delivered.set()
        return outcome

    outbox.register("whatsapp", signal)
    outbox.start()
    try:
        await outbox.put(to_user(await open_ticket(engine), "жауап"))
        await asyncio.wait_for(delivered.wait(), 5)  # woken by the put, not by the 60 s poll
    finally:
        await outbox.stop()
    assert deliverer.delivered == ["жауап"]


async def test_a_slow_consultants_group_never_delays_a_reply_to_a_user(engine: AsyncEngine) -> None:
    outbox = Outbox(engine, FakeClock())
    group_may_go = asyncio.Event()
    posted: list[str] = []
    user = Recorder()

    async def paced_group(delivery: Delivery) -> Outcome:  # the group's 20 posts a minute
        await group_may_go.wait()
        posted.append(delivery.text)
        return Outcome.sent("g1")

    outbox.register(CONSULTANTS, paced_group)
    outbox.register("whatsapp", user)
    flooder, other = await open_ticket(engine, "1"), await open_ticket(engine, "2")
    for n in range(40):
        await outbox.put(Relay(flooder, Direction.TO_CONSULTANTS, RelayKind.TEXT, f"flood {n}"))
    await outbox.put(to_user(other, "the consultant's reply"))

    draining = asyncio.create_task(outbox.drain())
    async with asyncio.timeout(5):
        while not user.delivered:
            await asyncio.sleep(0.01)
    assert user.delivered == ["the consultant's reply"] and posted == []  # the group's lane still waits
    group_may_go.set()
    await draining
    assert posted == [f"flood {n}" for n in range(40)]


async def test_an_unavailable_destination_keeps_its_messages_pending_uncounted_and_unreported(
        engine: AsyncEngine) -> None:
    clock = FakeClock()
    outbox = Outbox(engine, clock, max_attempts=2)
    group = Recorder(*[Outcome.unavailable("the bot was removed from the group", after=60)] * 3)
    outbox.register(CONSULTANTS, group)
    ticket = await open_ticket(engine)
    await outbox.put(Relay(ticket, Direction.TO_CONSULTANTS, RelayKind.TEXT, "hello"))

    for _ in range(3):  # more tries than max_attempts: none counted
        await outbox.drain()
        clock.advance(seconds=60)
    assert await statuses(engine) == [("hello", "pending", 0)]
    await outbox.drain()
    assert await statuses(engine) == [("hello", "sent", 1)]
