"""Conversation scripts: a user on Telegram says X, the Bot API receives exactly Y."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from bot.db.models import Feedback, Question, User
from handlers import Translator
from knowledge import DecisionKind, Matcher
from tests.channels.telegram.chat import Rows, TelegramUser, answered, message

T = Translator()
kk, ru = T("kk"), T("ru")
CHAT = 4242


def main_menu(matcher: Matcher, lang: str) -> Rows:
    _ = T(lang)
    return [*([(f"cat:{c.id}", c.title[lang])] for c in matcher.base.menu_categories()),
            [("rem", _("🔔 Reminders"))], [("human", _("Ask a consultant"))]]


def feedback_buttons(question_id: int, lang: str = "kk", reminders: str = "") -> Rows:
    """The buttons under an answer; on a topic with deadlines, the way to the stream's reminders."""
    _ = T(lang)
    rows = [[(f"fb:{question_id}:y", _("👍 Helpful")),
             (f"fb:{question_id}:n", _("👎 Not helpful"))],
            [("human", _("Ask a consultant")), ("menu", _("Menu"))]]
    return [*rows, [(f"rem:s:{reminders}", _("🔔 Deadline reminders"))]] if reminders else rows


LANGUAGES: Rows = [[("lang:kk", "Қазақ тілі"), ("lang:ru", "Русский язык")]]


async def test_start_greets_in_kazakh_offers_language_and_menu(user: TelegramUser,
                                                              matcher: Matcher) -> None:
    calls = await user.says("/start")

    assert calls == [
        message(CHAT, kk("Hello! I am the civic centre's desk for NGOs: I answer questions on the "
                         "NGO database, the state social order, grants, awards and public "
                         "councils, and can pass you to a consultant.")),
        message(CHAT, "Тілді таңдаңыз:", LANGUAGES),
        message(CHAT, "Тақырыпты таңдаңыз немесе сұрағыңызды жаза беріңіз:",
                main_menu(matcher, "kk")),
    ]
    assert calls[0]["params"]["text"].startswith("Сәлеметсіз бе!")


async def test_russian_language_code_is_a_hint(user: TelegramUser, matcher: Matcher) -> None:
    user.language_code = "ru"

    calls = await user.says("/menu")

    assert calls == [message(CHAT, ru("Choose a topic, or just type your question:"),
                             main_menu(matcher, "ru"))]


async def test_language_switch_is_remembered(user: TelegramUser, matcher: Matcher,
                                             engine: AsyncEngine) -> None:
    await user.says("/start")

    assert await user.says("/lang") == [message(CHAT, "Тілді таңдаңыз:", LANGUAGES)]
    calls = await user.presses("lang:ru")

    assert calls == [answered("query-1"), message(CHAT, "Выбран язык: русский."),
                     message(CHAT, ru("Choose a topic, or just type your question:"),
                             main_menu(matcher, "ru"))]
    # Telegram still says "kk", the stored choice wins.
    assert await user.says("/help") == [message(CHAT, ru(
        "Type your question in Kazakh or Russian, or use the commands:\n"
        "/menu: topics\n/lang: language\n/help: this help"))]
    async with async_sessionmaker(engine)() as session:
        stored = await session.scalar(select(User))
    assert stored is not None
    assert (stored.channel, stored.external_id, stored.lang, stored.name) == (
        "telegram", str(CHAT), "ru", "Айгүл Серікова")


async def test_menu_category_topic_answer_and_back(user: TelegramUser, matcher: Matcher) -> None:
    topics = matcher.base.topics("database")

    calls = await user.presses("cat:database")

    assert calls == [answered("query-1"), message(CHAT, "<b>ҮЕҰ дерекқоры</b>", [
        *([(f"topic:{e.id}", e.title["kk"])] for e in topics), [("menu", "« Артқа")]])]

    calls = await user.presses("topic:database.deadline", query_id="query-2")

    assert calls == [answered("query-2"), message(CHAT, calls[1]["params"]["text"],
                                                  feedback_buttons(1, reminders="database"))]
    text = calls[1]["params"]["text"]
    assert text.startswith("<b>Дерекқорға мәлімет тапсыру мерзімі</b>\n\nҮЕҰ дерекқорына мәлімет "
                           "<b>жыл сайын 31 наурызға дейін</b>, өткен жыл үшін беріледі")
    assert "*" not in text
    law = "Закон РК от 16.01.2001 № 142-II «О некоммерческих организациях»"
    assert kk("Source: {source}").format(source=f"{law}, п. 5 ст. 41") in text
    assert text.endswith(kk("Read more: {link}").format(link="https://adilet.zan.kz/rus/docs/Z010000142_")
                         + "\n\n" + kk("Checked on {date}").format(date=matcher.base.by_id["database.deadline"]
                                                                       .checked.strftime("%d.%m.%Y")))

    assert await user.presses("menu", query_id="query-3") == [
        answered("query-3"), message(CHAT, kk("Choose a topic, or just type your question:"),
                                     main_menu(matcher, "kk"))]


async def test_free_text_gets_the_answer_with_feedback_buttons(user: TelegramUser,
                                                              matcher: Matcher) -> None:
    question = "Дерекқорға мәліметті қашанға дейін тапсыру керек?"
    decision = matcher.decide(question, "kk")
    assert decision.kind is DecisionKind.ANSWER and decision.entry is not None

    calls = await user.says(question)

    assert len(calls) == 1
    assert calls[0] == message(CHAT, calls[0]["params"]["text"], feedback_buttons(1, reminders="database"))
    assert calls[0]["params"]["text"].startswith(f"<b>{decision.entry.title['kk']}</b>\n\n")


async def test_unclear_question_offers_the_top_topics(user: TelegramUser, matcher: Matcher) -> None:
    decision = matcher.decide("есеп", "kk")
    assert decision.kind is DecisionKind.CLARIFY

    calls = await user.says("есеп")

    assert calls == [message(CHAT, kk("I am not sure I understood. Did you mean one of these?"), [
        *([(f"topic:{e.id}", e.title["kk"])] for e in decision.candidates),
        [("none", kk("None of these"))]])]
    assert 2 <= len(decision.candidates) <= 3


async def test_unknown_question_offers_a_consultant(user: TelegramUser, matcher: Matcher) -> None:
    assert matcher.decide("qwerty zxcv", "kk").kind is DecisionKind.FALLBACK

    assert await user.says("qwerty zxcv") == [message(
        CHAT, kk("Sorry, I do not have an answer to this question. A consultant of the civic "
                 "centre can help."), [[("human", kk("Ask a consultant")), ("menu", kk("Menu"))]])]


async def test_feedback_is_stored_per_answer(user: TelegramUser, engine: AsyncEngine) -> None:
    await user.presses("topic:database.deadline")

    assert await user.presses("fb:1:y", query_id="query-2") == [
        answered("query-2"), message(CHAT, "Пікіріңізге рахмет!")]
    async with async_sessionmaker(engine)() as session:
        feedback = (await session.scalars(select(Feedback))).all()
        question = await session.get(Question, 1)
    assert [(f.question_id, f.helpful) for f in feedback] == [(1, True)]
    assert question is not None and question.topic == "database.deadline"

    calls = await user.presses("fb:1:n", query_id="query-3")

    assert calls == [answered("query-3"), message(CHAT, kk(
        "Sorry the answer did not help. A consultant of the civic centre can look into your "
        "question."), [[("human", kk("Ask a consultant")), ("menu", kk("Menu"))]])]
    async with async_sessionmaker(engine)() as session:
        assert [f.helpful for f in (await session.scalars(select(Feedback))).all()] == [False]


MEDIA = {
    "sticker": {"sticker": {"file_id": "s1", "file_unique_id": "u1", "type": "regular",
                            "width": 512, "height": 512, "is_animated": False,
                            "is_video": False}},
    "photo": {"photo": [{"file_id": "p1", "file_unique_id": "u2", "width": 90, "height": 90}],
              "caption": "Мынау не?"},
    "voice": {"voice": {"file_id": "v1", "file_unique_id": "u3", "duration": 3}},
    "document": {"document": {"file_id": "d1", "file_unique_id": "u4", "file_name": "устав.pdf"}},
    "location": {"location": {"latitude": 51.16, "longitude": 71.47}},
}


async def test_non_text_gets_a_text_only_note(user: TelegramUser) -> None:
    note = message(CHAT, kk("I can read only text messages. Please type your question; once a "
                            "consultant takes your chat, you can send them files."))
    for kind, content in MEDIA.items():
        assert await user.sends(**content) == [note], kind


async def test_service_messages_get_no_reply(user: TelegramUser) -> None:
    assert await user.sends(pinned_message={"message_id": 1, "date": 1767225600,
                                            "chat": user.chat, "text": "x"}) == []


async def test_stale_or_forged_buttons_get_a_polite_reply(user: TelegramUser,
                                                          matcher: Matcher) -> None:
    polite = message(CHAT, kk("This button is out of date. Here is the current menu."))
    menu = message(CHAT, kk("Choose a topic, or just type your question:"),
                   main_menu(matcher, "kk"))

    assert await user.presses("topic:removed.after-reload") == [answered("query-1"), polite, menu]
    assert await user.presses("cat:gone", query_id="q2") == [answered("q2"), polite, menu]
    assert await user.presses("fb:999:y", query_id="q3") == [answered("q3"), polite]
    assert await user.presses("x" * 64, query_id="q4") == [answered("q4"), polite, menu]


async def test_unknown_command_gets_help(user: TelegramUser) -> None:
    assert await user.says("/weather@civic_desk_bot now") == [
        message(CHAT, kk("I do not know this command.")),
        message(CHAT, kk("Type your question in Kazakh or Russian, or use the commands:\n"
                         "/menu: topics\n/lang: language\n/help: this help"))]


async def test_groups_get_silence(user: TelegramUser) -> None:
    user.chat = {"id": -1001234, "type": "supergroup", "title": "ҮЕҰ желісі"}

    assert await user.says("/start") == []
    assert await user.says("Дерекқорға мәліметті қашанға дейін тапсыру керек?") == []
    assert await user.sends(**MEDIA["sticker"]) == []
    # A button under some old group message: the spinner stops, nothing is said.
    assert await user.presses("menu") == [answered("query-1")]
