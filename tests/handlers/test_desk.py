"""The channel-neutral desk, specified as conversation scripts."""

from __future__ import annotations

import datetime as dt

import pytest

from handlers import Channel, Desk, Inbound, InboundKind, Reply, Translator
from handlers.memory import MemoryDeskStore
from knowledge import Matcher
from tests.clock import ALMATY, FakeClock


class Conversation:
    """One user talking to the desk: say text, press buttons by label, read replies."""

    def __init__(self, desk: Desk, channel: Channel = Channel.TELEGRAM, lang_hint: str = "") -> None:
        self.desk, self.channel, self.lang_hint = desk, channel, lang_hint
        self.replies: list[Reply] = []

    async def send(self, kind: InboundKind, text: str) -> list[Reply]:
        inbound = Inbound(self.channel, "42", kind, text, name="Айгерім", lang_hint=self.lang_hint)
        self.replies = await self.desk.handle(inbound)
        return self.replies

    async def say(self, text: str) -> list[Reply]:
        return await self.send(InboundKind.TEXT, text)

    async def command(self, name: str) -> list[Reply]:
        return await self.send(InboundKind.COMMAND, name)

    async def press(self, label: str) -> list[Reply]:
        for reply in self.replies:
            for button in reply.all_buttons():
                if label in button.label:
                    return await self.send(InboundKind.CHOICE, button.data)
        raise AssertionError(f"no button {label!r} in {[b.label for r in self.replies for b in r.all_buttons()]}")

    @property
    def text(self) -> str:
        return "\n".join(r.text for r in self.replies)


@pytest.fixture(params=[Channel.TELEGRAM, Channel.WHATSAPP])
def user(desk: Desk, request: pytest.FixtureRequest) -> Conversation:
    return Conversation(desk, request.param)


async def test_start_greets_offers_the_language_and_the_menu(desk: Desk) -> None:
    talk = Conversation(desk, lang_hint="ru-RU")
    replies = await talk.command("start")
    assert "Здравствуйте" in replies[0].text
    assert [b.label for b in replies[1].all_buttons()] == ["Қазақ тілі", "Русский язык"]
    assert "База данных НПО" in [b.label for b in replies[2].all_buttons()]


async def test_unknown_language_hint_greets_in_kazakh(desk: Desk) -> None:
    replies = await Conversation(desk, lang_hint="en").command("start")
    assert "Сәлеметсіз бе" in replies[0].text


async def test_language_choice_is_remembered(user: Conversation) -> None:
    await user.command("start")
    await user.press("Русский язык")
    assert "Выбран язык: русский" in user.text
    await user.command("menu")
    assert "Выберите тему" in user.text


async def test_menu_leads_from_category_to_topic_to_sourced_answer(user: Conversation) -> None:
    await user.command("start")
    await user.press("Қазақ тілі")
    await user.press("ҮЕҰ дерекқоры")
    assert user.replies[0].text == "*ҮЕҰ дерекқоры*"
    await user.press(user.replies[0].all_buttons()[1].label)
    assert "Дереккөз:" in user.text and "Толығырақ: https://" in user.text
    await user.press("Мәзір")
    assert "Тақырыпты таңдаңыз" in user.text


async def test_back_returns_to_the_main_menu(user: Conversation) -> None:
    await user.command("menu")
    await user.press("Мемлекеттік гранттар")
    await user.press("« Артқа")
    assert "Тақырыпты таңдаңыз" in user.text


async def test_a_question_gets_an_answer_with_its_source_and_feedback_buttons(
        user: Conversation, memory_store: MemoryDeskStore) -> None:
    await user.say("До какого числа сдавать сведения в базу данных НПО?")
    assert "31 марта" in user.text and "Источник:" in user.text
    await user.press("Полезно")
    assert "Спасибо за отзыв" in user.text
    [(_user_id, question)] = memory_store.questions  # question id 1
    assert (question.decision, question.topic, question.lang) == ("answer", "database.deadline", "ru")
    assert memory_store.feedback == {1: True}


async def test_not_helpful_offers_a_consultant(user: Conversation) -> None:
    await user.say("Гранттарды кім береді?")
    await user.press("Көмектеспеді")
    assert "кеңесшісі" in user.text
    await user.press("Кеңесшіге жазу")
    assert "№1 өтінішіңіз азаматтық орталықтың кеңесшілеріне жіберілді" in user.text


async def test_clarify_offers_topics_and_none_of_these(user: Conversation) -> None:
    await user.say("заявка")
    assert user.replies[0].text.startswith("Сұрағыңызды дұрыс түсінгеніме")
    labels = [b.label for b in user.replies[0].all_buttons()]
    assert labels[-1] == "Бұлардың ешқайсысы емес" and 2 <= len(labels) <= 4
    await user.press("Бұлардың ешқайсысы емес")
    assert "№1 өтінішіңіз азаматтық орталықтың кеңесшілеріне жіберілді" in user.text


async def test_out_of_scope_question_says_so_and_offers_a_consultant(user: Conversation) -> None:
    await user.say("Как получить грант Даму для малого бизнеса?")
    assert [b.label for b in user.replies[0].all_buttons()] == ["Спросить консультанта", "Меню"]


async def test_a_declined_topic_shows_the_official_page_its_text_promises(user: Conversation) -> None:
    await user.say("Как ИП сдать форму 910 за полугодие?")
    assert "ссылка ниже" in user.text and "Подробнее: https://" in user.text
    assert [b.label for b in user.replies[0].all_buttons()] == ["Спросить консультанта", "Меню"]


async def test_an_answer_ends_with_the_date_of_its_check(user: Conversation) -> None:
    await user.say("До какого числа сдавать сведения в базу данных НПО?")
    assert user.text.splitlines()[-1].startswith("Сведения проверены: ")


@pytest.mark.parametrize(("now", "amount"), [
    (dt.datetime(2026, 12, 31, 23, 59, tzinfo=ALMATY), "штраф 25 МРП (в 2026 году 108\u202f125 тенге)"),
    (dt.datetime(2027, 1, 1, 0, 1, tzinfo=ALMATY), "штраф 25 МРП*"),
])
async def test_mci_amounts_follow_the_desks_clock(matcher: Matcher, memory_store: MemoryDeskStore,
                                                  translator: Translator, now: dt.datetime, amount: str) -> None:
    talk = Conversation(Desk(matcher, memory_store, translator, clock=FakeClock(now)))
    await talk.say("Какой штраф за несдачу сведений в базу НПО?")
    assert amount in talk.text


async def test_asking_for_a_person_escalates(user: Conversation, memory_store: MemoryDeskStore) -> None:
    await user.say("Соедините с консультантом, пожалуйста")
    assert "передано консультантам гражданского центра" in user.text
    assert [question.decision for _user_id, question in memory_store.questions] == ["escalate"]


async def test_greeting_is_answered_in_kind(user: Conversation) -> None:
    await user.say("Сәлеметсіз бе!")
    assert [b.label for b in user.replies[0].all_buttons()] == ["Мәзір"]


@pytest.mark.parametrize(("text", "expected"), [
    ("   ", "Хабарламаңыз бос"),
    ("🙂🙂🙂", "сөз таба алмадым"),
    ("!!! ??? ...", "сөз таба алмадым"),
])
async def test_messages_without_words_get_a_clear_reply(user: Conversation, text: str, expected: str) -> None:
    await user.say(text)
    assert expected in user.text


async def test_a_very_long_message_is_read_by_its_beginning(user: Conversation) -> None:
    await user.say("До какого числа сдавать сведения в базу НПО? " + "подробности " * 450)
    assert "прочитал его начало" in user.replies[0].text


async def test_media_gets_the_text_only_notice(desk: Desk) -> None:
    talk = Conversation(desk)
    await talk.send(InboundKind.MEDIA, "")
    assert "тек мәтінді" in talk.text


@pytest.mark.parametrize("data", ["topic:nope.nope", "cat:unknown", "fb:999:y", "fb:x:y", "garbage", "lang:en"])
async def test_stale_or_forged_buttons_get_a_polite_reply(user: Conversation, data: str) -> None:
    await user.send(InboundKind.CHOICE, data)
    assert "батырма ескірген" in user.replies[0].text


async def test_feedback_on_someone_elses_answer_is_refused(desk: Desk) -> None:
    owner, stranger = Conversation(desk), Conversation(desk, Channel.WHATSAPP)
    await owner.say("Гранттарды кім береді?")
    helpful = owner.replies[0].all_buttons()[0].data
    await stranger.send(InboundKind.CHOICE, helpful)
    assert "батырма ескірген" in stranger.text


async def test_language_word_opens_the_language_choice(user: Conversation) -> None:
    await user.say("тіл")
    assert [b.label for b in user.replies[0].all_buttons()] == ["Қазақ тілі", "Русский язык"]


async def test_unknown_command_explains_the_commands(user: Conversation) -> None:
    await user.command("frobnicate")
    assert "/menu" in user.text


async def test_users_are_stored_per_channel(desk: Desk, memory_store: MemoryDeskStore) -> None:
    await Conversation(desk, Channel.TELEGRAM).say("сәлем")
    await Conversation(desk, Channel.WHATSAPP).say("сәлем")
    assert sorted(user.channel for user in memory_store.users.values()) == ["telegram", "whatsapp"]
