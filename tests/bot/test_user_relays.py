"""A consultant's message to a user rides the user's chat lane with the desk's own messages: written
with its transcript row, sent once and in the order written, held for a user who cannot take it,
its outcome recorded in the transcript and told to the consultant."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.db.models import TicketMessage
from bot.db.store import SqlDeskStore
from bot.db.tickets import SqlTicketStore
from bot.pipeline.outbound import Outbound
from bot.pipeline.outbox import Delivery, Outbox, Outcome
from bot.pipeline.retry import RetryPolicy
from bot.pipeline.user_relays import Reporter, UserRelays
from handlers import Channel
from handlers.ports import DeliveryReport, Direction, NewTicket, Relay, RelayKind
from tests.clock import FakeClock

CHAT = "77011234567"


class Chat:
    """The messenger: what reached each chat, relays and the desk's bodies alike, answered from a script."""

    def __init__(self, *script: Outcome) -> None:
        self.script = list(script)
        self.received: list[str] = []

    def answer(self, text: str) -> Outcome:
        self.received.append(text)
        return self.script.pop(0) if self.script else Outcome.sent("m1")

    async def relay(self, delivery: Delivery) -> Outcome:
        await asyncio.sleep(0)  # let a concurrent worker interleave
        return self.answer(delivery.text)

    async def body(self, chat_id: str, body: dict[str, Any]) -> Outcome:
        await asyncio.sleep(0)
        return self.answer(body["text"])


def lanes(engine: AsyncEngine, chat: Chat, clock: FakeClock | None = None, reporter: Reporter | None = None,
          **options: Any) -> tuple[Outbox, Outbound]:
    """The relay outbox and the users' lanes of one instance, on a WhatsApp messenger."""
    clock = clock or FakeClock()
    users = Outbound(engine, {"whatsapp": chat.body}, relays=UserRelays(engine, {"whatsapp": chat.relay}, reporter,
                                                                        clock), clock=clock, **options)
    return Outbox(engine, clock, users=users), users


async def open_ticket(engine: AsyncEngine, chat_id: str = CHAT) -> int:
    user = await SqlDeskStore(engine).touch_user(Channel.WHATSAPP, chat_id, "Айгерім")
    ticket, _ = await SqlTicketStore(engine).open(NewTicket(
        user.id, Channel.WHATSAPP, chat_id, "Айгерім", "", "kk", (), dt.datetime.now(dt.UTC)))
    return ticket.id


def to_user(ticket_id: int, text: str) -> Relay:
    return Relay(ticket_id, Direction.TO_USER, RelayKind.TEXT, text)


async def transcript(engine: AsyncEngine) -> list[tuple[str, str]]:
    async with engine.connect() as conn:
        rows = await conn.execute(select(TicketMessage.text, TicketMessage.status).order_by(TicketMessage.id))
        return [tuple(row) for row in rows]  # type: ignore[misc]


class Told:
    """The consultants' side: what they were told of each message that did not simply go out."""

    def __init__(self) -> None:
        self.reports: list[tuple[int, DeliveryReport, str]] = []

    async def __call__(self, ticket_id: int, report: DeliveryReport, detail: str) -> None:
        self.reports.append((ticket_id, report, detail))


async def test_a_consultants_reply_and_the_desks_answer_to_one_chat_keep_their_order_through_a_429(
        engine: AsyncEngine) -> None:
    clock = FakeClock()
    chat = Chat(Outcome.retry("flood limit", after=30))
    outbox, users = lanes(engine, chat, clock)
    ticket = await open_ticket(engine)

    await outbox.put(to_user(ticket, "the consultant's reply"))
    await users.put("whatsapp", CHAT, [{"text": "the desk's notice"}])
    await users.drain()
    assert chat.received == ["the consultant's reply"]  # refused; the notice waits behind it

    clock.advance(seconds=29)
    await users.drain()
    assert chat.received == ["the consultant's reply"]
    clock.advance(seconds=1)
    await users.drain()
    assert chat.received == ["the consultant's reply", "the consultant's reply", "the desk's notice"]
    assert await transcript(engine) == [("the consultant's reply", "sent")]


async def test_two_instances_never_send_the_same_reply_and_each_chat_keeps_its_order(engine: AsyncEngine) -> None:
    chat = Chat()  # what the messenger received, from either instance
    (first, first_lanes), (_second, second_lanes) = lanes(engine, chat), lanes(engine, chat)
    tickets = [await open_ticket(engine, f"7701000000{n}") for n in range(4)]
    for ticket_id in tickets:
        for n in range(5):
            await first.put(to_user(ticket_id, f"{ticket_id}-{n}"))

    await asyncio.gather(first_lanes.drain(), second_lanes.drain(), first_lanes.drain(), second_lanes.drain())

    assert sorted(chat.received) == sorted(f"{t}-{n}" for t in tickets for n in range(5))  # each once
    for ticket_id in tickets:  # and each conversation in order
        assert [d for d in chat.received if d.startswith(f"{ticket_id}-")] == [f"{ticket_id}-{n}" for n in range(5)]
    assert {status for _text, status in await transcript(engine)} == {"sent"}


async def test_retries_last_until_the_deadline_then_the_transcript_says_failed_and_the_consultant_is_told(
        engine: AsyncEngine) -> None:
    clock, told = FakeClock(), Told()
    chat = Chat(*[Outcome.retry("Graph API 500")] * 3)
    outbox, users = lanes(engine, chat, clock, told, policy=RetryPolicy(dt.timedelta(seconds=6), first_delay=2.0))
    ticket_id = await open_ticket(engine)
    await outbox.put(to_user(ticket_id, "жауап"))
    for seconds in (0, 2, 4):  # backoff doubles: 2 s, then 4 s; the third try is at the deadline
        clock.advance(seconds=seconds)
        await users.drain()

    assert chat.received == ["жауап"] * 3
    assert await transcript(engine) == [("жауап", "failed")]
    assert told.reports == [(ticket_id, DeliveryReport.FAILED, "Graph API 500")]


async def test_a_held_reply_waits_for_the_user_goes_first_when_they_write_and_notes_are_never_sent(
        engine: AsyncEngine) -> None:
    told = Told()
    chat = Chat(Outcome.held(DeliveryReport.HELD_INVITED))
    outbox, users = lanes(engine, chat, reporter=told)
    ticket_id = await open_ticket(engine)
    await outbox.put(Relay(ticket_id, Direction.NOTE, RelayKind.NOTE, "ішкі жазба"))
    await outbox.put(to_user(ticket_id, "жауап"))
    await users.drain()
    await users.put("whatsapp", CHAT, [{"text": "a later notice"}])  # a held reply does not hold the chat
    await users.drain()
    assert chat.received == ["жауап", "a later notice"]
    assert await transcript(engine) == [("ішкі жазба", "internal"), ("жауап", "held")]

    assert await users.release_held("whatsapp", CHAT) == 1  # the user wrote: the window is open again
    await users.put("whatsapp", CHAT, [{"text": "the answer to what they wrote"}])
    await users.drain()
    assert chat.received == ["жауап", "a later notice", "жауап", "the answer to what they wrote"]
    assert await transcript(engine) == [("ішкі жазба", "internal"), ("жауап", "sent")]
    assert [report for _t, report, _d in told.reports] == [DeliveryReport.HELD_INVITED,
                                                            DeliveryReport.DELIVERED_AFTER_HOLD]
    assert await users.release_held("whatsapp", CHAT) == 0


async def test_a_claim_left_by_a_dead_instance_is_taken_again_after_the_lease(engine: AsyncEngine) -> None:
    clock, dead = FakeClock(), asyncio.Event()

    async def dies_mid_send(delivery: Delivery) -> Outcome:
        await dead.wait()
        return Outcome.retry("the process was killed")

    ticket_id = await open_ticket(engine)
    crashed = Outbound(engine, {}, relays=UserRelays(engine, {"whatsapp": dies_mid_send}), owner="a", clock=clock)
    await Outbox(engine, clock, users=crashed).put(to_user(ticket_id, "жауап"))  # claimed by "a", never sent

    chat = Chat()
    _outbox, other = lanes(engine, chat, clock, owner="b", lease=120)
    await other.drain()
    assert chat.received == []  # "a" may still be sending it
    clock.advance(seconds=121)
    await other.drain()
    assert chat.received == ["жауап"]
    dead.set()
    await crashed.stop()  # its lane ends (its late outcome is no longer its claim) before the engine goes


async def test_a_deliverer_that_raises_is_retried_not_fatal(engine: AsyncEngine,
                                                          caplog: pytest.LogCaptureFixture) -> None:
    chat = Chat()

    async def broken(delivery: Delivery) -> Outcome:
        raise RuntimeError("bug")

    users = Outbound(engine, {"whatsapp": chat.body}, relays=UserRelays(engine, {"whatsapp": broken}),
                     clock=FakeClock())
    await Outbox(engine, users=users).put(to_user(await open_ticket(engine), "жауап"))
    await users.drain()
    assert await transcript(engine) == [("жауап", "pending")]
    assert "a send raised" in caplog.text


async def test_a_slow_consultants_group_never_delays_a_reply_to_a_user(engine: AsyncEngine) -> None:
    group_may_go = asyncio.Event()
    posted: list[str] = []
    chat = Chat()

    async def paced_group(delivery: Delivery) -> Outcome:  # the group's 20 posts a minute
        await group_may_go.wait()
        posted.append(delivery.text)
        return Outcome.sent("g1")

    clock = FakeClock()
    users = Outbound(engine, {"whatsapp": chat.body}, relays=UserRelays(engine, {"whatsapp": chat.relay}),
                     clock=clock)
    outbox = Outbox(engine, clock, deliver=paced_group, users=users)
    flooder, other = await open_ticket(engine, "1"), await open_ticket(engine, "2")
    for n in range(40):
        await outbox.put(Relay(flooder, Direction.TO_CONSULTANTS, RelayKind.TEXT, f"flood {n}"))
    draining = asyncio.create_task(outbox.drain())
    await outbox.put(to_user(other, "the consultant's reply"))

    async with asyncio.timeout(5):
        await users.drain()
    assert chat.received == ["the consultant's reply"] and posted == []  # the group's lane still waits
    group_may_go.set()
    await draining
    assert posted == [f"flood {n}" for n in range(40)]


async def test_a_held_reply_released_by_several_messages_at_once_goes_out_once(engine: AsyncEngine) -> None:
    chat = Chat(Outcome.held(DeliveryReport.HELD_INVITED))
    outbox, users = lanes(engine, chat)
    await outbox.put(to_user(await open_ticket(engine), "жауап"))
    await users.drain()

    released = await asyncio.gather(*[users.release_held("whatsapp", CHAT) for _ in range(5)])  # five messages
    await users.put("whatsapp", CHAT, [{"text": "the answer to the first"}])
    await users.drain()

    assert sorted(released) == [0, 0, 0, 0, 1]
    assert chat.received == ["жауап", "жауап", "the answer to the first"]
    assert await transcript(engine) == [("жауап", "sent")]


async def test_a_reply_holding_a_nul_character_is_stored_and_sent_without_it(engine: AsyncEngine) -> None:
    chat = Chat()
    outbox, users = lanes(engine, chat)
    await outbox.put(to_user(await open_ticket(engine), "жау\x00ап"))  # PostgreSQL refuses U+0000 in text
    await users.drain()
    assert chat.received == ["жауап"]
    assert await transcript(engine) == [("жауап", "sent")]


async def test_a_held_reply_released_on_two_instances_at_once_goes_out_once(engine: AsyncEngine) -> None:
    chat = Chat(Outcome.held(DeliveryReport.HELD_INVITED))
    (outbox, first), (_outbox, second) = lanes(engine, chat), lanes(engine, chat)
    await outbox.put(to_user(await open_ticket(engine), "жауап"))
    await first.drain()

    released = await asyncio.gather(first.release_held("whatsapp", CHAT), second.release_held("whatsapp", CHAT))
    await asyncio.gather(first.drain(), second.drain(), first.drain(), second.drain())

    assert sorted(released) == [0, 1] and chat.received == ["жауап", "жауап"]
    assert await transcript(engine) == [("жауап", "sent")]


async def test_a_report_the_database_refused_is_given_to_the_consultant_on_the_next_pass(engine: AsyncEngine) -> None:
    told, refused = Told(), []

    async def away_once(ticket_id: int, report: DeliveryReport, detail: str) -> None:
        if not refused:
            refused.append(report)
            raise ConnectionRefusedError("the database is away")
        await told(ticket_id, report, detail)

    chat = Chat(Outcome.held(DeliveryReport.HELD_INVITED))
    outbox, users = lanes(engine, chat, reporter=away_once)
    ticket_id = await open_ticket(engine)
    await outbox.put(to_user(ticket_id, "жауап"))
    await users.drain()  # the lane's pass, then the next one

    assert refused == [DeliveryReport.HELD_INVITED] and told.reports == [(ticket_id, DeliveryReport.HELD_INVITED, "")]
    assert chat.received == ["жауап"] and await transcript(engine) == [("жауап", "held")]
