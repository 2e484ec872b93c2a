"""Neighbours of the NGO topics are declined with a pointer elsewhere, and short courtesy is small talk."""

import pytest

from knowledge import Action, DecisionKind, Matcher


@pytest.mark.parametrize(("text", "declined_by"), [
    ("ИП, упрощённый режим: куда и когда подавать декларацию 910?", "oos.entrepreneur-taxes"),
    ("ЖК ретінде салық декларациясын қай айда тапсырамын?", "oos.entrepreneur-taxes"),
    ("Наше ТОО превысило порог оборота — надо ли регистрироваться по НДС?", "oos.company-vat"),
    ("ЖШС ҚҚС төлеуші болу үшін қайда өтініш береді?", "oos.company-vat"),
    ("Как пошагово ликвидировать ТОО?", "oos.llp-liquidation oos.business-registration"),
    ("ЖШС-ны таратқанда ликвидациялық комиссияны кім тағайындайды?", "oos.llp-liquidation"),
    ("Нужна ЭЦП себе, чтобы подать на пособие по уходу за ребёнком", "oos.personal-eds oos.family-benefits"),
    ("Жеке ЭЦҚ-мды жәрдемақы үшін қалай аламын?", "oos.personal-eds"),
    ("Строительную компанию внесли в реестр недобросовестных участников, что теперь?", "oos.business-procurement"),
    ("Құрылыс компаниясын жосықсыз қатысушылар тізіліміне енгізді, не істейміз?", "oos.business-procurement"),
    ("На сколько лет выбирают совет дома в ОСИ?", "oos.condominium"),
    ("МИБ-тің үй кеңесі неше жылға сайланады?", "oos.condominium"),
])
def test_a_neighbouring_topic_is_declined_not_answered(matcher: Matcher, text: str, declined_by: str) -> None:
    decision = matcher.decide(text)
    assert decision.kind is DecisionKind.FALLBACK
    assert decision.entry is not None and decision.entry.action is Action.DECLINE
    assert decision.entry.id in declined_by.split()  # either neighbour sends the user to the right place


def test_every_decline_names_the_page_it_sends_people_to(matcher: Matcher) -> None:
    declines = [e for e in matcher.base.entries if e.action is Action.DECLINE]
    assert declines and all(e.link.startswith("https://") for e in declines)


@pytest.mark.parametrize("text", ["спс", "рахмет!", "сау бол", "ок, понял, спасибо", "түсінікті, рахмет",
                                  "ок", "good", "Понятно", "мақұл, рахмет", "салем"])
def test_short_thanks_and_greetings_are_small_talk(matcher: Matcher, text: str) -> None:
    assert matcher.decide(text).kind is DecisionKind.SMALLTALK


def test_thanks_before_a_question_leaves_the_question(matcher: Matcher) -> None:
    assert matcher.decide("спс, а до какого числа сдавать сведения в базу НПО?").intent == "database.deadline"
