"""A reminder's own retries and late failures: through the outbox's retries, and Meta's status callbacks."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.reminders.tables import SentReminder
from tests.channels.telegram.fake_api import FakeBotAPI
from tests.channels.whatsapp.fake_graph import FakeGraph
from tests.channels.whatsapp.meta import payload, status
from tests.clock import FakeClock
from tests.reminders.conftest import Instance, almaty, sent_rows, subscriptions

CHAT = 4001


def reminder_calls(api: FakeBotAPI) -> int:
    """sendMessage calls of reminders to CHAT, failed tries included."""
    return sum(1 for c in api.calls if c["method"] == "sendMessage" and c["params"]["chat_id"] == CHAT
               and c["params"]["text"].startswith("🔔"))


async def figures(desk: Instance) -> dict[str, float]:
    """The database event's series in /metrics: sent, delivered, failed (read from the database at most
    every few seconds: one scrape per test)."""
    page = await (await desk.client.get("/metrics")).text()
    prefix = 'desk_reminders{event="database.annual",status="'
    return {line[len(prefix):].split('"')[0]: float(line.rsplit(" ", 1)[1])
            for line in page.splitlines() if line.startswith(prefix)}


async def test_a_telegram_500_then_429_on_a_reminder_is_retried_and_it_is_delivered_once(
        desk: Instance, bot_api: FakeBotAPI, engine: AsyncEngine, clock: FakeClock) -> None:
    await desk.telegram(CHAT).presses("rem:y:database:all")
    bot_api.fail("sendMessage", 500, "Internal Server Error")
    bot_api.fail("sendMessage", 429, "Too Many Requests: retry after 7", retry_after=7)
    clock.set(almaty(3, 1, 10))

    assert await desk.tick() == 1
    assert reminder_calls(bot_api) == 1  # the 500: it waits in the outbox for its back-off
    assert [s for *_rest, s in await sent_rows(engine)] == ["queued"]
    clock.advance(seconds=1)
    await desk.shell.reminders.queue.outbound.drain()  # type: ignore[union-attr]
    assert reminder_calls(bot_api) == 2  # the 429: it waits out retry_after, no less
    clock.advance(seconds=6)
    await desk.shell.reminders.queue.outbound.drain()  # type: ignore[union-attr]
    assert reminder_calls(bot_api) == 2
    clock.advance(seconds=1)
    await desk.shell.reminders.queue.outbound.drain()  # type: ignore[union-attr]
    assert reminder_calls(bot_api) == 3

    clock.advance(minutes=5)
    assert await desk.tick() == 0
    assert reminder_calls(bot_api) == 3  # delivered once: nothing after the one that went through
    assert [s for *_rest, s in await sent_rows(engine)] == ["delivered"]
    assert await figures(desk) == {"sent": 1, "delivered": 1, "failed": 0}


async def test_a_whatsapp_reminder_failed_later_by_the_status_callback_ends_the_subscriptions_and_counts_failed(
        desk: Instance, graph: FakeGraph, engine: AsyncEngine, clock: FakeClock) -> None:
    meta = desk.whatsapp()
    await meta.press("button_reply", "rem:y:database:all")
    await meta.press("button_reply", "rem:y:tax:all")
    clock.set(almaty(3, 1, 10))
    await desk.tick()  # the templates went out: Graph took them
    assert [s for *_rest, s in await sent_rows(engine)] == ["delivered", "delivered"]
    async with engine.connect() as conn:
        wamid = await conn.scalar(select(SentReminder.external_id).where(SentReminder.event_id == "database.annual"))
    assert wamid and wamid.startswith("wamid.")

    assert await meta.post(payload(statuses=(status(wamid, "failed", code=131026, title="Message undeliverable"),))
                           ) == 200
    clock.advance(minutes=1)
    await desk.tick()

    assert [why for *_rest, why in await subscriptions(engine)] == ["undeliverable", "undeliverable"]
    assert [s for *_rest, s in await sent_rows(engine)] == ["failed", "delivered"]  # the tax one went through
    assert await figures(desk) == {"sent": 1, "delivered": 0, "failed": 1}
    sends = len(graph.sends())
    clock.set(almaty(3, 24, 10))  # the 7-day reminders: not for this number any more
    assert await desk.tick() == 0
    assert len(graph.sends()) == sends
