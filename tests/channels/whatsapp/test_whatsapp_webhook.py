"""The webhook's guards and the Graph API's failures, through the real application."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.channels.whatsapp import signature
from bot.db.models import InboundEvent, WhatsAppDeliveryFailure, WhatsAppOutbound, utcnow
from handlers import Translator
from knowledge import Matcher
from tests.channels.whatsapp.meta import (
    APP_SECRET,
    USER,
    VERIFY_TOKEN,
    WhatsApp,
    answer_by_length,
    message,
    payload,
    status,
)
from tests.clock import FakeClock

from .fake_graph import FakeGraph


async def count(engine: AsyncEngine, model: type) -> int:
    async with engine.connect() as conn:
        return (await conn.execute(select(func.count()).select_from(model))).scalar_one()


async def outbound(engine: AsyncEngine) -> list[tuple[object, ...]]:
    async with engine.connect() as conn:
        rows = await conn.execute(select(
            WhatsAppOutbound.status, WhatsAppOutbound.attempts, WhatsAppOutbound.http_status,
            WhatsAppOutbound.error_code).order_by(WhatsAppOutbound.id))
        return [tuple(row) for row in rows]


# -- subscription check ---------------------------------------------------------

async def test_the_subscription_check_echoes_the_challenge_for_our_token(whatsapp: WhatsApp) -> None:
    response = await whatsapp.client.get("/webhook/whatsapp", params={
        "hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "1158201444"})
    assert response.status == 200
    assert response.content_type == "text/plain"
    assert await response.text() == "1158201444"


@pytest.mark.parametrize("params", [
    {"hub.mode": "subscribe", "hub.verify_token": "guess", "hub.challenge": "1"},
    {"hub.mode": "unsubscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "1"},
    {"hub.challenge": "1"},
])
async def test_the_subscription_check_refuses_anything_else(
        whatsapp: WhatsApp, params: dict[str, str]) -> None:
    response = await whatsapp.client.get("/webhook/whatsapp", params=params)
    assert response.status == 403
    assert "1" not in await response.text()


# -- signature and body ---------------------------------------------------------

async def test_unsigned_forged_or_altered_deliveries_are_refused_and_not_stored(
        whatsapp: WhatsApp, graph: FakeGraph, engine: AsyncEngine) -> None:
    delivery = payload(message(USER, whatsapp.wamid(), "text", {"body": "тіл"}))
    assert await whatsapp.post(delivery, signed=False) == 401
    assert await whatsapp.post(delivery, secret="someone-elses-secret") == 403

    raw = json.dumps(delivery).encode()
    headers = {"X-Hub-Signature-256": signature(APP_SECRET.encode(), raw),
               "Content-Type": "application/json"}
    altered = raw.replace(USER.encode(), b"77000000000")  # speak for someone else
    response = await whatsapp.client.post("/webhook/whatsapp", data=altered, headers=headers)
    assert response.status == 403

    assert await count(engine, InboundEvent) == 0
    assert graph.requests == []


@pytest.mark.parametrize("body", [b'{"object": "whatsapp_business_account", "entry": [',
                                  b"\xff\xfe not utf-8", b'["an", "array"]'])
async def test_a_signed_but_malformed_body_is_a_bad_request(
        whatsapp: WhatsApp, engine: AsyncEngine, body: bytes) -> None:
    assert await whatsapp.post(body) == 400
    assert await count(engine, InboundEvent) == 0


async def test_changes_for_another_business_number_are_acknowledged_and_ignored(
        whatsapp: WhatsApp, graph: FakeGraph, engine: AsyncEngine) -> None:
    delivery = payload(message(USER, whatsapp.wamid(), "text", {"body": "тіл"}))
    delivery["entry"][0]["changes"][0]["value"]["metadata"]["phone_number_id"] = "999"
    assert await whatsapp.post(delivery) == 200
    assert await count(engine, InboundEvent) == 0 and graph.requests == []


# -- status callbacks -----------------------------------------------------------

async def test_statuses_are_not_answered_and_only_failures_are_kept(
        whatsapp: WhatsApp, graph: FakeGraph, engine: AsyncEngine) -> None:
    statuses = (status("wamid.out.1", "sent"), status("wamid.out.1", "delivered"),
                status("wamid.out.1", "read"),
                status("wamid.out.2", "failed", code=131047, title="Re-engagement message"))
    assert await whatsapp.post(payload(statuses=statuses)) == 200
    assert await whatsapp.post(payload(statuses=statuses[3:])) == 200  # repeated by Meta

    assert graph.requests == []
    assert await count(engine, InboundEvent) == 0
    async with engine.connect() as conn:
        failures = (await conn.execute(select(WhatsAppDeliveryFailure))).all()
    assert [(f.wamid, f.recipient_id, f.error_code, f.error_title, f.error_details)
            for f in failures] == [("wamid.out.2", USER, 131047, "Re-engagement message",
                                    "Re-engagement message (details)")]
    assert failures[0].failed_at is not None


# -- Graph API failures -----------------------------------------------------------

async def test_a_rate_limited_send_is_retried_and_delivered_once(
        whatsapp: WhatsApp, graph: FakeGraph, engine: AsyncEngine) -> None:
    graph.fail(429, 130429, "Rate limit hit")
    sends = await whatsapp.say("тіл")

    assert len(sends) == 2 and sends[0] == sends[1]  # the same message, posted again
    assert await outbound(engine) == [("sent", 2, 200, None)]


async def test_a_graph_api_down_is_waited_out_and_the_answer_sent_in_order_when_it_is_back(
        whatsapp: WhatsApp, graph: FakeGraph, engine: AsyncEngine, translator: Translator,
        matcher: Matcher) -> None:
    kept = whatsapp.services.outbound
    assert kept is not None
    kept.clock = clock = FakeClock(utcnow())
    graph.fail_forever(500, 1, "An unknown error occurred")
    long_answer = answer_by_length(matcher, translator, over_body_limit=True)
    sends = await whatsapp.say(long_answer.questions["ru"][0])  # a text, then a list

    assert len(sends) == 3 and sends[0] == sends[1] == sends[2]  # the inline tries, bounded
    assert await outbound(engine) == [("failed", 3, 500, 1)]  # both parts kept for later
    async with engine.connect() as conn:
        assert (await conn.execute(select(InboundEvent.status))).scalars().all() == ["done"]
    assert [s["type"] for s in await whatsapp.say("тіл")] == []  # the next answer queues behind them

    graph.failing_forever = None
    clock.advance(seconds=1)
    mark = len(graph.sends())
    await kept.drain()
    assert [s["type"] for s in graph.sends()[mark:]] == ["text", "interactive", "interactive"]  # in order, once
    assert [row[0] for row in await outbound(engine)] == ["failed", "sent", "sent", "sent"]


@pytest.mark.parametrize(("code", "title"), [
    (131047, "Re-engagement message"),  # outside the 24-hour window
    (131026, "Message undeliverable"),
    (100, "Invalid parameter"),
])
async def test_a_permanent_error_is_recorded_without_retrying(
        whatsapp: WhatsApp, graph: FakeGraph, engine: AsyncEngine, code: int, title: str) -> None:
    graph.fail(400, code, title)
    sends = await whatsapp.say("тіл")

    assert len(sends) == 1
    assert await outbound(engine) == [("failed", 1, 400, code)]
    async with engine.connect() as conn:
        error = (await conn.execute(select(WhatsAppOutbound.error))).scalar_one()
    assert title in error
