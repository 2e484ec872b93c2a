"""WhatsApp users talking to the desk, end to end: signed webhook in, Graph API requests out."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import event, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.channels.whatsapp import WHATSAPP, WhatsAppStore
from bot.channels.whatsapp.render import split_for_body
from bot.db.models import InboundEvent, Question, WhatsAppContact, WhatsAppOutbound
from handlers import Button, Reply, Translator, render
from knowledge import Matcher
from tests.channels.whatsapp.meta import (
    ACCESS_TOKEN,
    API_VERSION,
    PHONE_NUMBER_ID,
    TIMESTAMP,
    USER,
    WhatsApp,
    answer_by_length,
    message,
    payload,
)

from .fake_graph import FakeGraph


def amounts(matcher: Matcher) -> render.Amounts:
    """The MCI year the desk answered with (its clock is the real one in these tests)."""
    return render.amounts_at(dt.datetime.now(dt.UTC), matcher.base.mci)

TO = f"+{USER}"


def text(body: str, to: str = TO) -> dict[str, object]:
    return {"messaging_product": "whatsapp", "recipient_type": "individual", "to": to,
            "type": "text", "text": {"body": body}}


def interactive(kind: str, body: str, action: dict[str, object], to: str = TO) -> dict[str, object]:
    return {"messaging_product": "whatsapp", "recipient_type": "individual", "to": to,
            "type": "interactive",
            "interactive": {"type": kind, "body": {"text": body}, "action": action}}


async def last_question_id(engine: AsyncEngine) -> int:
    async with engine.connect() as conn:
        return (await conn.execute(select(Question.id).order_by(Question.id.desc()))).scalars().first()


async def outbound(engine: AsyncEngine) -> list[tuple[str, str, int, int | None, str | None]]:
    async with engine.connect() as conn:
        rows = await conn.execute(select(WhatsAppOutbound.kind, WhatsAppOutbound.status,
                                         WhatsAppOutbound.attempts, WhatsAppOutbound.error_code,
                                         WhatsAppOutbound.wamid).order_by(WhatsAppOutbound.id))
        return [tuple(row) for row in rows]  # type: ignore[misc]


async def test_a_question_is_answered_with_its_source_and_feedback_list(
        whatsapp: WhatsApp, graph: FakeGraph, matcher: Matcher, translator: Translator,
        engine: AsyncEngine) -> None:
    ru = translator("ru")
    entry = answer_by_length(matcher, translator, over_body_limit=False)
    sends = await whatsapp.say(entry.questions["ru"][0])

    qid = await last_question_id(engine)
    body = render.answer(entry, "ru", qid, ru, amounts(matcher)).text
    assert body.startswith(f"*{entry.title['ru']}*") and "\n\nИсточник: " in body
    assert len(body) <= 1024  # fits an interactive body: one message
    assert sends == [interactive("list", body, {"button": "Выберите вариант", "sections": [{"rows": [
        {"id": f"fb:{qid}:y", "title": ru("👍 Helpful")},
        {"id": f"fb:{qid}:n", "title": ru("👎 Not helpful")},
        {"id": "human", "title": ru("Ask a consultant")},
        {"id": "menu", "title": ru("Menu")},
    ]}]})]
    read, send = graph.requests
    assert read["json"] == {"messaging_product": "whatsapp", "status": "read",
                            "message_id": whatsapp.last_wamid}
    assert send["path"] == f"/{API_VERSION}/{PHONE_NUMBER_ID}/messages"
    assert send["headers"]["Authorization"] == f"Bearer {ACCESS_TOKEN}"
    assert send["headers"]["Content-Type"] == "application/json"
    assert await outbound(engine) == [("interactive", "sent", 1, None, "wamid.out.1")]
    async with engine.connect() as conn:
        contact = (await conn.execute(select(WhatsAppContact))).one()
    assert contact.name == "Айгерім" and contact.choices == "[]"
    store = WhatsAppStore(engine)  # the 24-hour window opens at the user's message
    assert await store.last_inbound(USER) == dt.datetime.fromtimestamp(TIMESTAMP, dt.UTC)


async def test_an_answer_too_long_for_a_body_comes_as_text_then_its_source_above_the_choices(
        whatsapp: WhatsApp, matcher: Matcher, translator: Translator, engine: AsyncEngine) -> None:
    ru = translator("ru")
    entry = answer_by_length(matcher, translator, over_body_limit=True)
    sends = await whatsapp.say(entry.questions["ru"][0])

    qid = await last_question_id(engine)
    body = render.answer(entry, "ru", qid, ru, amounts(matcher)).text
    assert 1024 < len(body) <= 4096
    head, tail = split_for_body(body)
    assert [s["type"] for s in sends] == ["text", "interactive"]
    assert sends[0] == text(head)
    assert sends[1]["interactive"]["body"] == {"text": tail}  # type: ignore[index]
    assert tail.startswith("Источник:") or "Подробнее:" in tail


async def test_the_word_til_opens_the_language_choice_and_a_button_reply_sets_it(
        whatsapp: WhatsApp, matcher: Matcher, translator: Translator) -> None:
    sends = await whatsapp.say("тіл")
    assert sends == [interactive("button", translator("kk")("Choose the language of the desk:"), {
        "buttons": [{"type": "reply", "reply": {"id": "lang:kk", "title": "Қазақ тілі"}},
                    {"type": "reply", "reply": {"id": "lang:ru", "title": "Русский язык"}}]})]

    sends = await whatsapp.press("button_reply", "lang:ru", "Русский язык")
    ru = translator("ru")
    categories = matcher.base.menu_categories()
    rows = [{"id": f"cat:{c.id}", "title": c.title["ru"]} for c in categories]
    for row in rows:  # long titles are cut for the row and kept whole in the description
        if len(row["title"]) > 24:
            row["description"] = row["title"]
            row["title"] = row["title"][:23].rstrip() + "…"
    rows += [{"id": "rem", "title": ru("🔔 Reminders")}, {"id": "human", "title": ru("Ask a consultant")}]
    assert sends == [
        text(ru("Language set: Russian.")),
        interactive("list", ru("Choose a topic, or just type your question:"),
                    {"button": "Выберите вариант", "sections": [{"rows": rows}]}),
    ]
    assert {"id": "cat:social-order", "title": "Государственный социаль…",
            "description": "Государственный социальный заказ"} in rows


async def test_list_replies_walk_the_menu_to_an_answer(
        whatsapp: WhatsApp, matcher: Matcher, translator: Translator, engine: AsyncEngine) -> None:
    kk = translator("kk")
    sends = await whatsapp.press("list_reply", "cat:grants", "Мемлекеттік гранттар")
    topics = matcher.base.topics("grants")
    [menu] = sends
    rows = menu["interactive"]["action"]["sections"][0]["rows"]  # type: ignore[index]
    assert menu["interactive"]["type"] == "list"  # type: ignore[index]
    assert menu["interactive"]["body"] == {"text": "*Мемлекеттік гранттар*"}  # type: ignore[index]
    assert menu["interactive"]["action"]["button"] == "Нұсқаны таңдаңыз"  # type: ignore[index]
    assert [r["id"] for r in rows] == [f"topic:{e.id}" for e in topics] + ["menu"]
    assert all(len(r["title"]) <= 24 and len(r.get("description", "")) <= 72 for r in rows)
    assert rows[-1] == {"id": "menu", "title": kk("« Back")}

    sends = await whatsapp.press("list_reply", "topic:grants.types", rows[3]["title"])
    entry = matcher.base.get("grants.types")
    assert entry is not None
    body = render.answer(entry, "kk", await last_question_id(engine), kk, amounts(matcher)).text
    assert [s["type"] for s in sends] == ["interactive"]
    assert sends[0]["interactive"]["body"] == {"text": body}  # type: ignore[index]


async def test_stickers_and_images_get_the_short_text_only_reply(
        whatsapp: WhatsApp, translator: Translator) -> None:
    reply = translator("kk")("I can read only text messages. Please type your question; "
                             "once a consultant takes your chat, you can send them files.")
    sticker = message(USER, whatsapp.wamid(), "sticker",
                      {"mime_type": "image/webp", "sha256": "abc=", "id": "1001", "animated": False})
    image = message(USER, whatsapp.wamid(), "image",
                    {"caption": "Міне құжат", "mime_type": "image/jpeg", "sha256": "def=", "id": "1002"})
    location = message(USER, whatsapp.wamid(), "location", {"latitude": 51.13, "longitude": 71.43})
    assert await whatsapp.deliver(sticker, image, location) == [text(reply)] * 3


async def test_every_message_of_a_batched_payload_is_answered(
        whatsapp: WhatsApp, graph: FakeGraph) -> None:
    other = "77057654321"
    first = payload(message(USER, whatsapp.wamid(), "text", {"body": "тіл"}),
                    message(other, whatsapp.wamid(), "text", {"body": "тіл"}))
    second = payload(message(USER, whatsapp.wamid(), "sticker", {"id": "1"}))
    first["entry"].append(second["entry"][0])
    first["entry"][0]["changes"].append(payload(
        message(other, whatsapp.wamid(), "text", {"body": "язык"}))["entry"][0]["changes"][0])

    assert await whatsapp.post(first) == 200

    assert len(graph.reads()) == 4
    to = [s["to"] for s in graph.sends()]
    assert sorted(to) == sorted([TO, TO, f"+{other}", f"+{other}"])
    mine = [s["type"] for s in graph.sends() if s["to"] == TO]
    assert mine == ["interactive", "text"]  # one user's messages are answered in order


async def test_a_duplicate_delivery_is_answered_once(
        whatsapp: WhatsApp, graph: FakeGraph, engine: AsyncEngine) -> None:
    delivery = payload(message(USER, whatsapp.wamid(), "text", {"body": "тіл"}))
    assert await whatsapp.post(delivery) == 200
    assert await whatsapp.post(delivery) == 200  # Meta's retry: acknowledged, not answered again

    assert len(graph.sends()) == 1 and len(graph.reads()) == 1
    async with engine.connect() as conn:
        assert len((await conn.execute(select(InboundEvent))).all()) == 1


async def test_a_bare_digit_answers_a_numbered_menu_of_more_than_ten_choices(
        whatsapp: WhatsApp, matcher: Matcher, translator: Translator, engine: AsyncEngine) -> None:
    ru = translator("ru")
    await whatsapp.say("язык")
    await whatsapp.press("button_reply", "lang:ru")
    topics = [e for e in matcher.base.entries if e.action.value == "answer"][:12]
    menu = Reply("*Темы*", tuple((Button(f"topic:{e.id}", e.title["ru"]),) for e in topics))
    await whatsapp.client.server.app[WHATSAPP].deliver(USER, [menu])
    await whatsapp.shell.inbox.drain()  # and what it put in the chat's lane is sent

    numbered = "\n".join(f"{i}. {e.title['ru']}" for i, e in enumerate(topics, 1))
    hint = "Отправьте номер выбранного варианта."
    assert whatsapp.graph.sends()[-1] == text(f"*Темы*\n\n{numbered}\n\n{hint}")

    sends = await whatsapp.say(" 2 ")
    body = render.answer(topics[1], "ru", await last_question_id(engine), ru, amounts(matcher)).text
    assert len(body) <= 1024 and [s["type"] for s in sends] == ["interactive"]
    assert sends[0]["interactive"]["body"] == {"text": body}  # type: ignore[index]

    sends = await whatsapp.say("2")  # the answer's buttons replaced the numbered menu
    assert sends == [text(ru("I could not find any words in your message. Please type your "
                             "question in Kazakh or Russian."))]


async def test_a_late_older_message_never_moves_the_service_window_back(
        whatsapp: WhatsApp, engine: AsyncEngine) -> None:
    await whatsapp.deliver(message(USER, whatsapp.wamid(), "text", {"body": "тіл"}, TIMESTAMP + 600))
    await whatsapp.deliver(message(USER, whatsapp.wamid(), "text", {"body": "язык"}, TIMESTAMP))
    assert await WhatsAppStore(engine).last_inbound(USER) == dt.datetime.fromtimestamp(
        TIMESTAMP + 600, dt.UTC)


async def test_answers_leave_the_stored_numbered_menu_alone_while_it_does_not_change(
        whatsapp: WhatsApp, engine: AsyncEngine) -> None:
    await whatsapp.say("Как подать отчёт в базу данных НПО?")
    statements: list[str] = []

    def seen(conn: object, cursor: object, statement: str, *rest: object) -> None:
        statements.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", seen)
    sends = await whatsapp.say("Кто является оператором грантов?")

    assert sends and sends[-1]["type"] == "interactive"  # an answer with buttons, no numbered menu
    assert not [s for s in statements if s.startswith("UPDATE whatsapp_contacts")]
