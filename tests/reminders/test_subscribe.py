"""Subscribing to deadline reminders, on both messengers: explicit consent, the region, seeing and stopping."""

from __future__ import annotations

from pydantic import SecretStr
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app.config import Settings
from handlers import Translator
from knowledge import Matcher
from tests.channels.telegram.fake_api import FakeBotAPI
from tests.channels.whatsapp.fake_graph import FakeGraph
from tests.channels.whatsapp.meta import USER
from tests.clock import FakeClock
from tests.reminders.conftest import Instance, instance, subscriptions

kk, ru = Translator()("kk"), Translator()("ru")
CHAT = 4242


def keyboard(call: dict) -> list[tuple[str, str]]:  # type: ignore[type-arg]
    markup = call["params"].get("reply_markup") or {"inline_keyboard": []}
    return [(b["callback_data"], b["text"]) for row in markup["inline_keyboard"] for b in row]


async def test_an_answer_on_a_topic_with_deadlines_leads_to_an_explicit_subscription(desk: Instance,
                                                                                    engine: AsyncEngine) -> None:
    user = desk.telegram(CHAT)
    [answer] = await user.says("Дерекқорға мәліметті қашанға дейін тапсыру керек?")
    assert ("rem:s:database", kk("🔔 Deadline reminders")) in keyboard(answer)

    calls = await user.presses("rem:s:database")
    consent = calls[1]["params"]["text"]
    # What will be sent, how often, where, the next date, and how to stop: above the button that consents.
    assert kk("I will send you a short message {days} days before each deadline of this topic, in this "
              "chat and in this language. Nothing else.").format(days="30, 7, 1") in consent
    assert "31.03.2027" in consent and "«тоқта»" in consent
    assert keyboard(calls[1]) == [("rem:y:database:all", kk("✅ Remind me")),
                                  ("rem:y:database:reg", kk("📍 Only my region")), ("rem", kk("« Back"))]
    assert await subscriptions(engine) == []  # reading the consent text subscribes nobody

    calls = await user.presses("rem:y:database:all", query_id="q2")
    assert calls[1]["params"]["text"].startswith(kk(
        "Done: I will remind you of «{stream}» {days} days before each deadline.").format(
        stream="ҮЕҰ дерекқоры", days="30, 7, 1"))
    assert await subscriptions(engine) == [(1, "database", False, None)]


async def test_the_menu_item_and_the_command_show_and_edit_the_subscriptions(desk: Instance,
                                                                          engine: AsyncEngine) -> None:
    user = desk.telegram(CHAT, language_code="ru")
    menu = (await user.says("/menu"))[0]
    assert ("rem", ru("🔔 Reminders")) in keyboard(menu)

    overview = (await user.presses("rem"))[1]
    assert ru("You have no reminders yet.") in overview["params"]["text"]
    assert keyboard(overview)[:3] == [("rem:s:database", "🔔 База данных НПО"),
                                      ("rem:s:tax", "🔔 Налоговая декларация"), ("rem:s:grants", "🔔 Гранты")]
    await user.presses("rem:y:tax:all", query_id="q2")

    [overview] = await user.says("/remind")
    assert ru("You get reminders of: {streams}.").format(streams="Налоговая декларация") in overview["params"]["text"]
    assert ("rem:s:tax", "✅ Налоговая декларация") in keyboard(overview)
    stream = (await user.presses("rem:s:tax", query_id="q3"))[1]
    assert ru("You are subscribed.") in stream["params"]["text"]
    assert keyboard(stream)[0] == ("rem:n:tax", ru("🔕 Stop these"))

    stopped = (await user.presses("rem:n:tax", query_id="q4"))[1]
    assert stopped["params"]["text"] == ru("Reminders of «{stream}» stopped.").format(stream="Налоговая декларация")
    assert await subscriptions(engine) == [(1, "tax", False, "user")]


async def test_only_my_region_asks_the_region_once_then_subscribes(desk: Instance, engine: AsyncEngine) -> None:
    user = desk.telegram(CHAT)
    calls = await user.presses("rem:y:grants:reg")
    assert calls[1]["params"]["text"] == kk("Which region are you in? I will remind you of its deadlines and of "
                                            "the whole country's.")
    assert ("reg:astana:rem.grants", "Астана") in keyboard(calls[1])
    group = (await user.presses("regs:centre_east:rem.grants", query_id="q2"))[1]
    assert ("reg:karaganda:rem.grants", "Қарағанды облысы") in keyboard(group)

    done = (await user.presses("reg:karaganda:rem.grants", query_id="q3"))[1]["params"]["text"]
    assert kk("Only the deadlines of the whole country and of your region: {region}.").format(
        region="Қарағанды облысы") in done
    assert await subscriptions(engine) == [(1, "grants", True, None)]
    await user.presses("rem:y:database:reg", query_id="q4")  # the region is known now: no question
    assert await subscriptions(engine) == [(1, "grants", True, None), (1, "database", True, None)]


async def test_a_whatsapp_user_subscribes_with_a_list_and_stops_with_the_word(desk: Instance,
                                                                            engine: AsyncEngine) -> None:
    whatsapp = desk.whatsapp()
    [overview] = await whatsapp.say("напоминания")
    rows = overview["interactive"]["action"]["sections"][0]["rows"]
    assert {"id": "rem:s:grants", "title": "🔔 Гранты"} in rows
    [consent] = await whatsapp.press("list_reply", "rem:s:database")
    assert consent["interactive"]["type"] == "button"
    assert [b["reply"]["id"] for b in consent["interactive"]["action"]["buttons"]] == [
        "rem:y:database:all", "rem:y:database:reg", "rem"]
    await whatsapp.press("button_reply", "rem:y:database:all")
    assert await subscriptions(engine) == [(1, "database", False, None)]

    [stopped] = await whatsapp.say("Стоп")
    assert stopped["interactive"]["body"]["text"] == ru(
        "Reminders stopped: I will not write to you about deadlines any more. To subscribe again, open "
        "«Reminders» in the menu.")
    assert await subscriptions(engine) == [(1, "database", False, "user")]
    # Without subscriptions the word is the user's own again: the desk does not claim it.
    [after] = await whatsapp.say("Стоп")
    assert "Reminders stopped" not in str(after) and ru("Reminders stopped") not in str(after)


async def test_without_a_template_whatsapp_users_are_offered_telegram_instead(
        remind_settings: Settings, engine: AsyncEngine, matcher: Matcher, bot_api: FakeBotAPI, graph: FakeGraph,
        clock: FakeClock) -> None:
    settings = remind_settings.model_copy(update={"whatsapp_reminder_template": ""})
    async with instance(settings, engine, matcher, bot_api, graph, clock) as desk:
        whatsapp = desk.whatsapp()
        [screen] = await whatsapp.press("list_reply", "rem:s:database")
        text = screen["interactive"]["body"]["text"]
        assert text.startswith(kk("WhatsApp lets me write first only with a message template, and this desk "
                                  "has none yet, so reminders cannot reach you here."))
        assert kk("You can subscribe in our Telegram bot instead: {link}").format(
            link="https://t.me/civic_desk_bot") in text
        await whatsapp.press("button_reply", "rem:y:database:all")  # an old button: still no subscription
        assert await subscriptions(engine) == []

    without_telegram = settings.model_copy(update={"telegram_token": SecretStr(""), "telegram_bot_url": ""})
    async with instance(without_telegram, engine, matcher, bot_api, graph, clock) as desk:
        whatsapp = desk.whatsapp()
        whatsapp.wamids = iter(range(500, 600))  # Meta's ids never repeat: the inbox would drop the message
        [screen] = await whatsapp.press("list_reply", "rem:s:database", user=USER)
        assert "t.me" not in screen["interactive"]["body"]["text"]


async def test_the_privacy_answer_says_reminders_come_only_to_subscribers(matcher: Matcher) -> None:
    privacy = matcher.base.by_id["desk.privacy"]
    assert "«тоқта»" in privacy.answer["kk"] and "ескерту" in privacy.answer["kk"]
    assert "«стоп»" in privacy.answer["ru"] and "напоминания о сроках" in privacy.answer["ru"]
    decision = matcher.decide("Будет ли бот присылать мне сообщения сам?", "ru")
    assert decision.entry is privacy
