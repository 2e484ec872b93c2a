"""The audit line of an edit: which fields changed and by how much, never the texts themselves."""

from __future__ import annotations

from bot.curation.changes import NOTHING, summarise

BEFORE = {
    "id": "grants.reporting", "category": "grants", "owner": "curator", "review_by": "2027-12-01",
    "title": {"kk": "Есеп", "ru": "Отчёт"},
    "questions": {"kk": ["a", "b"], "ru": ["x"]}, "keywords": {"kk": [], "ru": ["k"]},
    "answer": {"kk": "Жауап", "ru": ""}, "sources": [{"act": "Закон"}], "related": [],
}


def test_each_changed_field_is_named_with_its_size_or_count() -> None:
    after = {**BEFORE, "owner": "Айгүл", "review_by": "2028-01-15",
             "questions": {"kk": ["a", "c", "d"], "ru": ["x"]},
             "answer": {"kk": "Жаңа ұзын жауап", "ru": "Новый ответ"},
             "sources": [{"act": "Закон"}, {"act": "Приказ", "url": "https://adilet.zan.kz"}]}
    assert summarise(BEFORE, after) == ("owner curator -> Айгүл; review_by 2027-12-01 -> 2028-01-15; "
                                        "answer.kk 5 -> 15 characters; questions.kk +2 -1; "
                                        "answer.ru written (11 characters); sources +1 -0")


def test_an_answer_emptied_and_phrasings_reordered_are_said_as_such() -> None:
    after = {**BEFORE, "answer": {"kk": "", "ru": ""}, "questions": {"kk": ["b", "a"], "ru": ["x"]}}
    assert summarise(BEFORE, after) == "answer.kk emptied; questions.kk reordered"


def test_an_unchanged_entry_says_so_and_a_new_one_lists_what_it_brings() -> None:
    assert summarise(BEFORE, dict(BEFORE)) == NOTHING
    assert summarise({}, BEFORE).startswith("id - -> grants.reporting; category - -> grants")
