"""Synonym groups: every way of naming a concept becomes one token, in any word order."""

from knowledge.concepts import Concepts
from knowledge.matcher import content_stems

GROUPS = {"social-order": ["государственный социальный заказ", "социальный заказ", "ГСЗ",
                           "мемлекеттік әлеуметтік тапсырыс"]}


def read(text: str) -> list[str]:
    return Concepts(GROUPS, content_stems).apply(content_stems(text))


def test_abbreviations_and_full_names_become_one_token() -> None:
    assert read("ГСЗ") == read("государственный социальный заказ") == ["#social-order"]
    assert read("мемлекеттік әлеуметтік тапсырысқа өтінім") == ["#social-order", *content_stems("өтінім")]


def test_the_longest_term_wins_and_word_order_does_not_matter() -> None:
    assert read("заказ социальный государственный") == ["#social-order"]
    assert read("социальный заказ для НПО") == ["#social-order", *content_stems("для НПО")]


def test_words_outside_a_term_stay_as_they_are() -> None:
    assert read("социальный проект") == content_stems("социальный проект")
