"""The database lost for 3 s while consultants' replies are in the users' lanes (PostgreSQL, through
a proxy the test cuts): each reply reaches its user once, and the transcript says it was sent."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app.compose import make_engine
from bot.app.config import Settings
from bot.pipeline.outbox import Delivery, Outcome
from tests.bot.test_user_relays import Chat, lanes, open_ticket, to_user, transcript
from tests.faults.proxy import Proxy

pytestmark = pytest.mark.slow


async def test_replies_in_the_lanes_when_the_database_goes_for_3_s_each_reach_their_user_once(
        settings: Settings, engine: AsyncEngine, proxy: Proxy) -> None:
    through_proxy = make_url(settings.database_url).set(host="127.0.0.1", port=proxy.port)
    desk_engine = make_engine(settings.model_copy(update={"database_url": through_proxy.render_as_string(False)}))
    chat, first_send, may_finish = Chat(), asyncio.Event(), asyncio.Event()
    relay = chat.relay

    async def held_up_once(delivery: Delivery) -> Outcome:  # the first send is under way as the database goes
        if not first_send.is_set():
            first_send.set()
            await may_finish.wait()
        return await relay(delivery)

    chat.relay = held_up_once  # type: ignore[method-assign]
    try:
        outbox, users = lanes(desk_engine, chat)
        tickets = [await open_ticket(desk_engine, f"7701000000{n}") for n in range(3)]
        for n in range(3):
            for ticket_id in tickets:
                await outbox.put(to_user(ticket_id, f"{ticket_id}-{n}"))
        async with asyncio.timeout(5):
            await first_send.wait()
        await proxy.down()
        may_finish.set()
        await asyncio.sleep(3)
        await proxy.up()
        async with asyncio.timeout(30):
            await users.drain()
            await users.drain()

        assert sorted(chat.received) == sorted(f"{t}-{n}" for t in tickets for n in range(3))  # each once
        for ticket_id in tickets:
            assert [d for d in chat.received if d.startswith(f"{ticket_id}-")] == [f"{ticket_id}-{n}" for n in range(3)]
        assert {status for _text, status in await transcript(engine)} == {"sent"}
    finally:
        await desk_engine.dispose()
