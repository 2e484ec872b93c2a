"""Language detection per message: kk or ru, whatever the script or keyboard."""

import pytest

from knowledge import Matcher


@pytest.mark.parametrize(("text", "lang"), [
    ("Мемлекеттік грантты кім береді?", "kk"),
    ("мемлекеттик грантты ким береди", "kk"),
    ("Memlekettik grantty kim beredi?", "kk"),
    ("qoğamdyq keñeske qalai müşe bolamyn", "kk"),
    ("грант алу ушин не керек", "kk"),
    ("ҮЕҰ дерекқорына мәліметті қашан тапсырамыз, подскажите", "kk"),
    ("Кто выдаёт государственные гранты?", "ru"),
    ("как подать заявку на госсоцзаказ", "ru"),
    ("кто выдает гранты нпо", "ru"),
    ("Наше ОО хочет получить грант, что нужно?", "ru"),
    ("приветик", "ru"),
])
def test_detects_the_main_language(matcher: Matcher, text: str, lang: str) -> None:
    assert matcher.detector.detect(text) == lang


def test_no_evidence_at_all_falls_back_to_the_given_default(matcher: Matcher) -> None:
    assert matcher.detector.detect("123 !!!", default="ru") == "ru"
    assert matcher.detector.detect("🙂", default="kk") == "kk"
