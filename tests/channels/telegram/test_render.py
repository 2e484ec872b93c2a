"""Rendering for Telegram: escaping, *bold*, keyboards, the 64-byte data and 4,096-unit limits."""

from __future__ import annotations

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from hypothesis import given
from hypothesis import strategies as st

from bot.channels.telegram.render import (
    Outgoing,
    callback_data,
    keyboard,
    render,
    render_reply,
    split_text,
    to_html,
    utf16_len,
)
from handlers import Button, Reply
from knowledge import Matcher


def test_everything_is_escaped_and_only_stars_become_bold() -> None:
    assert to_html("*ҮЕҰ дерекқоры* & <b>not a tag</b> \"quoted\" 'x'") == (
        "<b>ҮЕҰ дерекқоры</b> &amp; &lt;b&gt;not a tag&lt;/b&gt; \"quoted\" 'x'")
    assert to_html("*<script>*") == "<b>&lt;script&gt;</b>"
    assert to_html("https://adilet.zan.kz/rus/docs/Z010000142_?a=1&b=2") == (
        "https://adilet.zan.kz/rus/docs/Z010000142_?a=1&amp;b=2")


def test_a_cards_neutralised_name_and_quote_stay_text() -> None:
    """The card line tests/handlers/test_card_safety.py pins for a name dressed as markup."""
    html = to_html("№1 · Айгерім ∗СРОЧНО∗ <b>admin</b>\n«∗важно∗ вопрос про грант»")
    assert "&lt;b&gt;admin&lt;/b&gt;" in html and "<b>СРОЧНО</b>" not in html and "<b>важно</b>" not in html


def test_stars_that_are_not_emphasis_stay() -> None:
    assert to_html("2 * 3 * 4") == "2 * 3 * 4"
    assert to_html("* бір\n* екі") == "* бір\n* екі"
    assert to_html("*ашық\nжабық*") == "*ашық\nжабық*"  # bold never spans lines
    assert to_html("**") == "**"
    assert to_html("*a* and *b*") == "<b>a</b> and <b>b</b>"


def test_short_text_is_one_part() -> None:
    assert split_text("  Сәлем!\n\n") == ["Сәлем!"]
    assert split_text("   ") == []


def test_split_at_paragraphs_first() -> None:
    text = "\n\n".join(["а" * 40, "б" * 40, "в" * 40])
    assert split_text(text, limit=90) == ["а" * 40 + "\n\n" + "б" * 40, "в" * 40]


def test_then_at_lines_then_words_then_anywhere() -> None:
    assert split_text("а" * 30 + "\n" + "б" * 30, limit=40) == ["а" * 30, "б" * 30]
    assert split_text("бір екі үш төрт", limit=8) == ["бір екі", "үш төрт"]
    assert split_text("x" * 25, limit=10) == ["x" * 10, "x" * 10, "x" * 5]


def test_length_is_counted_in_utf16_units_like_telegram() -> None:
    assert utf16_len("👍") == 2
    assert utf16_len("Қ") == 1
    assert split_text("👍" * 5, limit=4) == ["👍👍", "👍👍", "👍"]  # a pair is never cut


@given(st.text(alphabet=st.sampled_from(["а", "Қ", "x", " ", "\n", "👍", "*"]), max_size=300),
       st.integers(min_value=2, max_value=60))
def test_parts_fit_and_lose_no_words(text: str, limit: int) -> None:
    parts = split_text(text, limit)
    assert all(0 < utf16_len(part) <= limit for part in parts)
    assert "".join("".join(parts).split()) == "".join(text.split())


def test_callback_data_is_kept_within_64_bytes() -> None:
    assert callback_data("topic:database.deadline") == "topic:database.deadline"
    assert callback_data("x" * 64) == "x" * 64
    assert callback_data("x" * 70) == "x" * 64
    cut = callback_data("т" * 40)  # 80 bytes of Cyrillic: cut between characters
    assert cut == "т" * 32 and len(cut.encode()) == 64


def test_keyboard_rows_follow_the_reply() -> None:
    rows = ((Button("fb:1:y", "👍"), Button("fb:1:n", "👎")), (), (Button("menu", "Мәзір"),))
    markup = keyboard(rows)
    assert markup == {"inline_keyboard": [
        [{"text": "👍", "callback_data": "fb:1:y"}, {"text": "👎", "callback_data": "fb:1:n"}],
        [{"text": "Мәзір", "callback_data": "menu"}]]}
    assert InlineKeyboardMarkup.model_validate(markup) == InlineKeyboardMarkup(inline_keyboard=[  # what aiogram reads
        [InlineKeyboardButton(text="👍", callback_data="fb:1:y"),
         InlineKeyboardButton(text="👎", callback_data="fb:1:n")],
        [InlineKeyboardButton(text="Мәзір", callback_data="menu")]])
    assert keyboard(()) is None


def test_the_keyboard_goes_under_the_last_part_only() -> None:
    reply = Reply("*Тақырып*\n\n" + "а" * 20, ((Button("menu", "Мәзір"),),))
    markup = keyboard(reply.buttons)

    assert render_reply(reply, limit=15) == [Outgoing("<b>Тақырып</b>"), Outgoing("а" * 15),
                                             Outgoing("а" * 5, markup)]
    assert render([reply, Reply("Рахмет!")]) == [
        Outgoing("<b>Тақырып</b>\n\n" + "а" * 20, markup), Outgoing("Рахмет!")]
    assert render([Reply("  ", ((Button("menu", "Мәзір"),),))]) == []


def test_every_button_of_the_real_base_fits_without_cutting(matcher: Matcher) -> None:
    base = matcher.base
    data = [f"cat:{c.id}" for c in base.categories] + [f"topic:{e.id}" for e in base.entries]
    assert all(callback_data(d) == d for d in data), max(data, key=len)


def test_a_repeated_button_is_built_once_and_each_keyboard_still_says_its_own() -> None:
    menu = Button("menu", "Мәзір")
    first, second = keyboard([[menu]]), keyboard([[Button("fb:1:y", "👍"), menu]])

    assert first is not None and second is not None
    assert first["inline_keyboard"][0][0] is second["inline_keyboard"][0][1]
    assert first == {"inline_keyboard": [[{"text": "Мәзір", "callback_data": "menu"}]]}
    assert [b["callback_data"] for b in second["inline_keyboard"][0]] == ["fb:1:y", "menu"]
