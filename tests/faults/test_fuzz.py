"""Hostile input on both webhooks (hypothesis): never a 5xx, never a crash, and every valid
message answered exactly once, also when the platform delivers it again."""

from __future__ import annotations

import itertools
import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.db.models import InboundEvent
from tests.channels.telegram.chat import TelegramUser
from tests.channels.whatsapp.meta import WhatsApp, message, payload

pytestmark = pytest.mark.slow
FUZZ = settings(max_examples=30, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
ids = itertools.count(1)

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=25)
# Real field names with garbage inside: deeper than pure noise gets.
update_like = st.fixed_dictionaries({"update_id": st.integers(min_value=1, max_value=2**40)}, optional={
    key: json_values for key in ("message", "edited_message", "callback_query", "channel_post",
                                 "my_chat_member", "poll")})
texts = st.text(min_size=1, max_size=600)


async def status_of(engine: AsyncEngine, key: str) -> str:
    async with engine.connect() as conn:
        return (await conn.execute(select(InboundEvent.status).where(InboundEvent.event_key == key))).scalar_one()


# -- Telegram ---------------------------------------------------------------------------------

@FUZZ
@given(body=json_values | update_like)
async def test_telegram_garbage_is_never_a_server_error(user: TelegramUser, body: Any) -> None:
    if isinstance(body, dict) and isinstance(body.get("update_id"), int):
        body["update_id"] = 10**12 + next(ids)  # fresh, so nothing is skipped as a duplicate
    assert await user.post(None, raw=json.dumps(body).encode()) in (200, 400)
    await user.services.inbox.drain()
    assert (await user.client.get("/healthz")).status == 200


@FUZZ
@given(text=texts, language=st.sampled_from(["kk", "ru", "en", ""]), press=st.booleans(),
       data=st.text(min_size=1, max_size=64).filter(lambda d: len(d.encode()) <= 64))
async def test_telegram_every_valid_message_is_answered_once(
        user: TelegramUser, engine: AsyncEngine, text: str, language: str, press: bool, data: str) -> None:
    person = TelegramUser(user.client, user.api, user.services, id=100_000 + next(ids), language_code=language,
                          update_ids=itertools.count(2 * 10**12 + 1000 * next(ids)))
    update = person.callback_update(data) if press else person.text_update(text)
    calls = await person.deliver(update)
    sends = [c for c in calls if c["method"] == "sendMessage"]
    assert sends and all(c["params"]["chat_id"] == person.id for c in sends)
    assert await person.deliver(update) == []  # delivered again: acknowledged, not answered again
    assert await status_of(engine, str(update["update_id"])) == "done"


# -- WhatsApp ---------------------------------------------------------------------------------

@FUZZ
@given(body=json_values)
async def test_whatsapp_garbage_is_never_a_server_error(whatsapp: WhatsApp, body: Any) -> None:
    assert await whatsapp.post(json.dumps(body).encode()) in (200, 400)
    assert await whatsapp.post(payload() | {"entry": body}) in (200, 400)
    assert (await whatsapp.client.get("/healthz")).status == 200


@FUZZ
@given(kind=st.sampled_from(["text", "button_reply", "list_reply", "image", "sticker", "reaction", "location",
                             "unsupported"]),
       text=texts, name=st.text(max_size=40))
async def test_whatsapp_every_valid_message_is_answered_once(
        whatsapp: WhatsApp, engine: AsyncEngine, kind: str, text: str, name: str) -> None:
    user, wamid = f"7701{next(ids):07d}", whatsapp.wamid()
    if kind == "text":
        item = message(user, wamid, "text", {"body": text})
    elif kind.endswith("_reply"):
        item = message(user, wamid, "interactive", {"type": kind, kind: {"id": text[:200], "title": text[:20]}})
    else:
        item = message(user, wamid, kind, {"caption": text, "id": "media-1"})
    delivery = payload(item)
    delivery["entry"][0]["changes"][0]["value"]["contacts"][0]["profile"]["name"] = name

    before = len(whatsapp.graph.sends())
    assert await whatsapp.post(delivery) == 200
    sends = whatsapp.graph.sends()[before:]
    assert sends and {s["to"] for s in sends} == {f"+{user}"}
    assert await whatsapp.post(delivery) == 200
    assert len(whatsapp.graph.sends()) == before + len(sends)  # the repeat is not answered
    assert await status_of(engine, wamid) == "done"
