"""The entry texts the desk keeps read exactly as rendered anew, and never outlive what they were made of."""

from __future__ import annotations

import dataclasses
import datetime as dt

from handlers import Translator, render
from knowledge import Matcher

NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def test_a_kept_entry_text_is_the_text_rendered_anew(matcher: Matcher, translator: Translator) -> None:
    base = matcher.base
    for year in (2025, 2026, 2031):  # a year without an MCI value shows bare amounts
        amounts = render.Amounts(year, base.mci)
        for _round in range(2):  # the second round is read from what was kept
            for entry in base.entries:
                for lang in ("kk", "ru"):
                    _ = translator(lang)
                    assert render.entry_text(entry, lang, _, amounts) == render.made_entry_text(entry, lang, _, amounts)


def test_a_changed_entry_words_or_table_is_rendered_anew(matcher: Matcher, translator: Translator) -> None:
    entry = next(e for e in matcher.base.entries if "{{mci:" in e.answer["ru"])
    amounts = render.amounts_at(NOW, matcher.base.mci)
    _ = translator("ru")
    before = render.entry_text(entry, "ru", _, amounts)
    edited = dataclasses.replace(entry, answer={**entry.answer, "ru": "Новый ответ {{mci:10}}."})
    assert "Новый ответ" in render.entry_text(edited, "ru", _, amounts)
    other_table = render.Amounts(amounts.year, {amounts.year: 1})
    fresh = render.made_entry_text(entry, "ru", _, other_table)
    assert render.entry_text(entry, "ru", _, other_table) == fresh != before
    assert render.entry_text(entry, "ru", lambda text: f"» {text}", amounts) != before
    assert render.entry_text(entry, "ru", _, amounts) == before


def test_the_feedback_buttons_carry_the_question_and_the_language(translator: Translator) -> None:
    for lang in ("kk", "ru"):
        _ = translator(lang)
        for question in (1, 2):
            assert render.feedback(question, _) == (
                (render.Button(f"fb:{question}:y", _("👍 Helpful")),
                 render.Button(f"fb:{question}:n", _("👎 Not helpful"))),
                (render.Button(render.HUMAN, _("Ask a consultant")), render.Button(render.MENU, _("Menu"))))
