"""Normalisation: every way of typing Kazakh and Russian folds to one matching key."""

import pytest

from knowledge.lexicon import asks
from knowledge.stem import stem
from knowledge.text import normalise, raw_tokens, sentences


@pytest.mark.parametrize(("typed", "key"), [
    ("Memlekettik granttarğa qalai ötinim beremin", "мемлекеттик гранттарга калаи отиним беремин"),
    ("Qoğamdyq keñes degenımız ne?", "когамдык кенес дегенимиз не"),
    ("qogamdyq kenes turaly", "когамдык кенес туралы"),
    ("shetelden aqsha aldyq", "шетелден акша алдык"),
    ("o'tinim g'ana", "отиним гана"),
    ("гранттaрды кiм бередi", "гранттарды ким береди"),
    ("ҚОҒАМДЫҚ КЕҢЕС — İSTEU?", "когамдык кенес истеу"),
    ("Ёлка, объём", "елка обьем"),
    ("как   подать\tзаявку!!!", "как подать заявку"),
    ("👍🙏 грант 💰", "грант"),
])
def test_every_script_folds_to_the_same_key(typed: str, key: str) -> None:
    assert normalise(typed) == key


def test_kazakh_letters_typed_on_a_russian_keyboard_meet_the_real_ones() -> None:
    assert normalise("қоғамдық кеңестің мүшесі") == normalise("когамдык кенестин мушеси")


def test_raw_tokens_keep_kazakh_letters_for_language_detection() -> None:
    assert raw_tokens("Salem, qalaısyz?") == ["салем", "қалаісыз"]


def test_control_characters_become_spaces() -> None:
    assert normalise("грант\x00\x07беру") == "грант беру"


@pytest.mark.parametrize(("word", "stem_"), [
    ("гранттарға", "грант"),
    ("грантқа", "грант"),
    ("гранттар", "грант"),
    ("заявку", "заявк"),
    ("заявки", "заявк"),
    ("общественного", "общественн"),
])
def test_endings_are_stripped_to_a_shared_stem(word: str, stem_: str) -> None:
    assert stem(normalise(word)) == stem_


def test_short_words_are_never_stripped_below_four_letters() -> None:
    assert stem(normalise("кім")) == "ким"
    assert stem("ала") == "ала"


def test_a_message_is_cut_into_sentences_at_their_ends_and_at_line_breaks() -> None:
    text = "Добрый день! Мы фонд из Семея.\nКак сдать отчёт до 01.07.2025? Спасибо…"
    assert sentences(text) == ["Добрый день", "Мы фонд из Семея", "Как сдать отчёт до 01.07.2025", "Спасибо"]


@pytest.mark.parametrize(("sentence", "asking"), [
    ("Мы фонд из Семея", False),
    ("Біз Шымкенттегі жастар ұйымымыз", False),
    ("Подскажите порядок регистрации", True),
    ("грант алу үшін не керек", True),
    ("дерекқорға тапсырамыз ба", True),
    ("сроки сдачи?", True),
])
def test_a_sentence_asks_with_a_question_mark_or_a_question_or_request_word(sentence: str, asking: bool) -> None:
    assert asks(sentence, raw_tokens(sentence)) is asking
