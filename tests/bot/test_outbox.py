"""The relay outbox, the consultants' group's lane: each post delivered once, in order, shaped, retried
with bounds, kept across restarts. (A consultant's message to a user goes in the user's chat lane:
`test_user_relays.py`.)"""

from __future__ import annotations

import asyncio
import datetime as dt

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.db.models import TicketMessage
from bot.db.store import SqlDeskStore
from bot.db.tickets import SqlTicketStore
from bot.pipeline.outbox import Deliverer, Delivery, Outbox, Outcome
from bot.pipeline.relay_posts import ShapedPosts
from bot.pipeline.retry import RetryPolicy
from bot.pipeline.shaping import Shaper
from handlers import Channel
from handlers.ports import Direction, NewTicket, Relay, RelayKind
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


async def statuses(engine: AsyncEngine) -> list[tuple[str, str, int]]:
    async with engine.connect() as conn:
        rows = await conn.execute(select(TicketMessage.text, TicketMessage.status, TicketMessage.attempts)
                                  .order_by(TicketMessage.id))
        return [tuple(row) for row in rows]  # type: ignore[misc]


async def test_a_retry_waits_its_turn_and_holds_back_only_its_own_conversation(engine: AsyncEngine) -> None:
    clock = FakeClock()
    deliverer = Recorder(Outcome.retry("flood limit", after=7))
    outbox = Outbox(engine, clock, deliver=deliverer)
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


async def test_an_unavailable_destination_keeps_its_messages_pending_uncounted_and_unreported(
        engine: AsyncEngine) -> None:
    clock = FakeClock()
    group = Recorder(*[Outcome.unavailable("the bot was removed from the group", after=60)] * 3)
    outbox = Outbox(engine, clock, deliver=group, policy=RetryPolicy(dt.timedelta(seconds=90)))
    ticket = await open_ticket(engine)
    await outbox.put(Relay(ticket, Direction.TO_CONSULTANTS, RelayKind.TEXT, "hello"))

    for _ in range(3):  # waiting past the deadline: no try counted, the message not failed
        await outbox.drain()
        clock.advance(seconds=60)
    assert await statuses(engine) == [("hello", "pending", 0)]
    await outbox.drain()
    assert await statuses(engine) == [("hello", "sent", 1)]


def shaped(engine: AsyncEngine, clock: FakeClock, group: Deliverer) -> Outbox:
    """An outbox that merges a user's waiting texts for the consultants (as the service's does)."""
    posts = ShapedPosts(Shaper(limit=4096))
    return Outbox(engine, clock, deliver=group, shape=posts.shape, merge=posts.merge)


def to_group(ticket_id: int, text: str, kind: RelayKind = RelayKind.TEXT) -> Relay:
    return Relay(ticket_id, Direction.TO_CONSULTANTS, kind, text)


async def test_a_users_texts_waiting_for_the_group_leave_as_one_post_files_in_their_place(
        engine: AsyncEngine) -> None:
    group = Recorder()
    outbox = shaped(engine, FakeClock(), group)
    ticket = await open_ticket(engine)
    for relay in (to_group(ticket, "бір"), to_group(ticket, "екі"), to_group(ticket, "📎 құжат", RelayKind.MEDIA),
                  to_group(ticket, "үш"), to_group(ticket, "төрт")):
        await outbox.put(relay)

    await outbox.drain()

    assert group.delivered == ["🕑 05:00\nбір\n\n🕑 05:00\nекі", "📎 құжат", "🕑 05:00\nүш\n\n🕑 05:00\nтөрт"]
    assert await statuses(engine) == [(t, "sent", 1) for t in ("бір", "екі", "📎 құжат", "үш", "төрт")]


async def test_a_merged_post_that_must_wait_goes_again_with_what_came_meanwhile(engine: AsyncEngine) -> None:
    clock = FakeClock()
    group = Recorder(Outcome.retry("flood limit", after=7))
    outbox = shaped(engine, clock, group)
    ticket = await open_ticket(engine)
    await outbox.put(to_group(ticket, "бір"))
    await outbox.put(to_group(ticket, "екі"))
    await outbox.drain()
    assert await statuses(engine) == [("бір", "pending", 1), ("екі", "pending", 1)]

    clock.advance(seconds=7)
    await outbox.put(to_group(ticket, "үш"))
    await outbox.drain()

    assert group.delivered == ["🕑 05:00\nбір\n\n🕑 05:00\nекі", "🕑 05:00\nбір\n\n🕑 05:00\nекі\n\n🕑 05:00\nүш"]
    assert await statuses(engine) == [("бір", "sent", 2), ("екі", "sent", 2), ("үш", "sent", 1)]


async def test_a_post_is_claimed_whole_or_not_at_all(engine: AsyncEngine) -> None:
    first, second = await open_ticket(engine, "1"), await open_ticket(engine, "2")
    group = Recorder()

    async def meanwhile_another_instance_claims(delivery: Delivery) -> Outcome:
        if delivery.ticket.id == first:  # after this lane read the rows, before it reaches the second ticket
            async with outbox.sessions.begin() as session:
                await session.execute(update(TicketMessage).where(TicketMessage.text == "екі").values(
                    status="sending", claim="other", claimed_at=FakeClock()()))
        return await group(delivery)

    outbox = shaped(engine, FakeClock(), meanwhile_another_instance_claims)
    for relay in (to_group(first, "бірінші"), to_group(second, "бір"), to_group(second, "екі")):
        await outbox.put(relay)

    await outbox.drain()

    assert group.delivered == ["бірінші", "бір"]  # "бір" alone: the post of both was given back, then reshaped
    assert await statuses(engine) == [("бірінші", "sent", 1), ("бір", "sent", 1), ("екі", "sending", 0)]


async def test_a_newer_reminder_replaces_the_one_still_waiting(engine: AsyncEngine) -> None:
    group = Recorder()
    outbox = Outbox(engine, FakeClock(), deliver=group)
    first, second = await open_ticket(engine, "1"), await open_ticket(engine, "2")
    for ticket, text in ((first, "⏰ №1: 30 мин"), (second, "⏰ №2: 30 мин"), (first, "⏰ №1: 1 ч 0 мин")):
        await outbox.put(to_group(ticket, text, RelayKind.REMINDER))
    assert await statuses(engine) == [("⏰ №1: 1 ч 0 мин", "pending", 0), ("⏰ №2: 30 мин", "pending", 0)]

    await outbox.drain()
    await outbox.put(to_group(first, "⏰ №1: 1 ч 30 мин", RelayKind.REMINDER))  # the last one went: a new one
    await outbox.drain()

    assert group.delivered == ["⏰ №1: 1 ч 0 мин", "⏰ №2: 30 мин", "⏰ №1: 1 ч 30 мин"]
