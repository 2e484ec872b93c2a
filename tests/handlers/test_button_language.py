"""A button answers in the language of the reply it belongs to, on every channel."""

from __future__ import annotations

import pytest

from handlers import Channel, Desk, InboundKind
from handlers.memory import MemoryTicketStore
from tests.handlers.test_desk import Conversation

RUSSIAN_MENU = "Выберите тему или просто напишите свой вопрос:"
KAZAKH_MENU = "Тақырыпты таңдаңыз немесе сұрағыңызды жаза беріңіз:"


@pytest.mark.parametrize("channel", [Channel.TELEGRAM, Channel.WHATSAPP, Channel.TERMINAL])
async def test_a_kazakh_answers_menu_opens_the_kazakh_menu_for_a_russian_user(desk: Desk, channel: Channel) -> None:
    user = Conversation(desk, channel)
    await user.command("start")
    await user.press("Русский язык")
    await user.say("Гранттарды кім береді?")  # asked in Kazakh: answered in Kazakh
    assert "Дереккөз:" in user.text
    await user.press("Мәзір")
    assert user.text == KAZAKH_MENU
    await user.press("Мемлекеттік гранттар")  # the Kazakh menu's buttons stay Kazakh
    assert user.text == "*Мемлекеттік гранттар*" and "Назад" not in str(user.replies)
    await user.say("Что такое госсоцзаказ?")  # the user's own language, buttons unmarked as before
    await user.press("Меню")
    assert user.text == RUSSIAN_MENU


async def test_a_russian_answers_feedback_is_thanked_in_russian_for_a_kazakh_user(desk: Desk) -> None:
    user = Conversation(desk)
    await user.command("start")
    await user.press("Қазақ тілі")
    await user.say("Как подать заявку на грант?")
    await user.press("Полезно")
    assert user.text == "Спасибо за отзыв!"


@pytest.mark.parametrize("value", ["٤", "４", "4 ", "+4", "6", "0", "²"])
async def test_a_rating_is_only_an_ascii_digit_from_1_to_5(
        desk: Desk, ticket_store: MemoryTicketStore, value: str) -> None:
    user = Conversation(desk)
    await user.say("Кеңесшіге қосыңыз")
    await user.press("Чатты аяқтау")
    await user.send(InboundKind.CHOICE, f"rate:1:{value}")
    assert "батырма ескірген" in user.text
    await user.send(InboundKind.CHOICE, "rate:١:4")  # an Arabic-Indic ticket number is not a ticket number
    assert "батырма ескірген" in user.text
    assert ticket_store.tickets[1].rating is None


@pytest.mark.parametrize("data", ["fb:²:y", "fb:١:y", "fb:1:y|en", "topic:grants.what-is|xx"])
async def test_odd_button_data_is_an_out_of_date_button_not_a_crash(desk: Desk, data: str) -> None:
    user = Conversation(desk)
    await user.send(InboundKind.CHOICE, data)
    assert "батырма ескірген" in user.text
