"""The regions table and the detector of a region named in a message."""

from __future__ import annotations

import pytest

from knowledge.loader import DEFAULT_DIR, load_base
from knowledge.model import LANGS
from knowledge.regions import CITY, FILLER, _fits, load_regions, parse_regions, words

REGIONS, PROBLEMS = load_regions(DEFAULT_DIR)


def test_the_shipped_table_has_the_17_oblasts_and_3_cities_in_choice_groups_of_at_most_10() -> None:
    assert PROBLEMS == []
    assert len(REGIONS.regions) == 20 and len(REGIONS.of_group(CITY)) == 3
    assert [r.id for r in REGIONS.of_group(CITY)] == ["astana", "almaty", "shymkent"]
    assert all(1 <= len(REGIONS.of_group(g.id)) <= 9 for g in REGIONS.groups)
    assert len(REGIONS.of_group(CITY)) + len(REGIONS.groups) <= 10


@pytest.mark.parametrize(
    ("text", "region"),
    [
        ("Где гражданский центр в Караганде?", "karaganda"),
        ("Қарағандыда азаматтық орталық бар ма?", "karaganda"),
        ("Карагандинская область", "karaganda"),
        ("Қарағанды облысы", "karaganda"),
        ("I am in karagandy", "karaganda"),
        ("мы из Алматы", "almaty"),
        ("Алматыда тұрамыз", "almaty"),
        ("Алматинская область, Конаев", "almaty_region"),
        ("Алматы облысы", "almaty_region"),
        ("НКО в Нур-Султане", "astana"),
        ("Астанада", "astana"),
        ("г. Усть-Каменогорск", "east_kazakhstan"),
        ("ВКО", "east_kazakhstan"),
        ("Шығыс Қазақстан облысында", "east_kazakhstan"),
        ("в Семее", "abai"),
        ("в области Абай", "abai"),
        ("Шымкентте", "shymkent"),
        ("Туркестанская обл.", "turkestan"),
        ("живу в Уральске", "west_kazakhstan"),
        ("Оралда", "west_kazakhstan"),
        ("Жетісу облысы", "zhetysu"),
        ("Ұлытау", "ulytau"),
        ("Петропавловск", "north_kazakhstan"),
        ("Ақтөбеде", "aktobe"),
        ("Қызылордада", "kyzylorda"),
    ],
)
def test_a_region_named_in_any_spelling_or_case_is_found(text: str, region: str) -> None:
    assert REGIONS.find(text) == region


@pytest.mark.parametrize(
    "text",
    [
        "Как зарегистрировать ОФ?",
        "семейный кодекс",  # not Semey
        "офис на проспекте Абая",  # a street, not the Abai region
        "Астана или Караганда?",  # two regions: the user is asked
    ],
)
def test_no_region_or_two_regions_find_none(text: str) -> None:
    assert REGIONS.find(text) is None


@pytest.mark.parametrize(
    ("text", "region"),
    [
        ("Караганда", "karaganda"),
        ("в Караганде", "karaganda"),
        ("Қарағанды облысы", "karaganda"),
        ("я из Алматы", "almaty"),
        ("Алматинская область", "almaty_region"),
        ("гражданский центр Астана", None),  # a question about Astana, not an answer
        ("Кеңесшіге қосыңыз, Қарағандыдамын", None),
    ],
)
def test_a_message_that_is_only_a_regions_name_answers_which_region(text: str, region: str | None) -> None:
    assert REGIONS.answer(text) == region


def test_a_broken_table_names_region_and_field() -> None:
    problems: list = []
    parse_regions(
        {"groups": [], "regions": [{"id": "x", "group": "moon", "name": {"kk": "X"}, "words": []}]},
        problems,
        "regions.yaml",
    )
    assert [str(p) for p in problems] == [
        "regions.yaml: regions.x.group: must be one of city",
        "regions.yaml: regions.x.words: list at least one way people write the region",
        "regions.yaml: regions.x.name: must give the text in kk and ru",
    ]


def named_by_every_pattern(text: str) -> list[tuple[str, tuple[int, int]]]:
    """The reference: every pattern tested at every word (what the first-word index must equal)."""
    tokens = words(text)
    return sorted((p.region, (i, i + len(p.words))) for p in REGIONS.patterns for i in range(len(tokens))
                  if i + len(p.words) <= len(tokens)
                  and all(_fits(w, t) for w, t in zip(p.words, tokens[i:i + len(p.words)], strict=True)))


def test_the_first_word_index_finds_what_testing_every_pattern_finds() -> None:
    texts = [q for entry in load_base().entries for lang in LANGS for q in entry.questions[lang]]
    texts += [" ".join(spelling.replace("*", "ами") for spelling in p.words) for p in REGIONS.patterns]
    texts += ["в Караганде и Алматы облысы", "алма ата алматы", "*", "", "сқо ско вко"]
    for text in texts:
        tokens = words(text)
        found = sorted((p.region, span) for start, token in enumerate(tokens)
                       for p in REGIONS.first_words.starting(token) if (span := p.at(tokens, start)))
        assert found == named_by_every_pattern(text), text


def answered_by_every_span(text: str) -> str | None:
    """The reference of `Regions.answer`: the one region named, every other word a filler."""
    tokens = words(text)
    named = REGIONS._named(tokens)
    if named is None:
        return None
    return named[0] if all(t in FILLER for i, t in enumerate(tokens) if i not in named[1]) else None


def test_a_word_in_no_regions_name_answers_at_once_what_reading_every_span_answers() -> None:
    texts = [q for entry in load_base().entries for lang in LANGS for q in entry.questions[lang]]
    texts += [" ".join(spelling.replace("*", "ами") for spelling in p.words) for p in REGIONS.patterns]
    texts += [f"я из {' '.join(p.words).replace('*', 'е')}" for p in REGIONS.patterns]
    texts += ["в Караганде и Алматы облысы", "алма ата алматы", "*", "", "сқо ско вко", "г. Астана", "Астана грант"]
    assert any(answered_by_every_span(text) for text in texts)
    for text in texts:
        assert REGIONS.answer(text) == answered_by_every_span(text), text
