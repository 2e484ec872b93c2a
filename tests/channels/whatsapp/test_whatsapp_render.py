"""Rendering desk replies within WhatsApp's limits (pure functions, no server)."""

from __future__ import annotations

import pytest

from bot.channels.whatsapp.render import (
    BODY_LIMIT,
    TEXT_LIMIT,
    Labels,
    format_text,
    render_reply,
    split_text,
    trim,
)
from handlers import Button, Reply

LABELS = Labels(choose="Выберите вариант", numbered_hint="Отправьте номер выбранного варианта.")


def reply(text: str, *labels: str) -> Reply:
    return Reply(text, tuple((Button(f"d{i}", label),) for i, label in enumerate(labels)))


@pytest.mark.parametrize(("source", "expected"), [
    ("*Гранты* тексі: https://cisc.kz", "*Гранты* тексі: https://cisc.kz"),
    ("**Жирный** и [портал](https://egov.kz/x)", "*Жирный* и портал: https://egov.kz/x"),
    ('<b>Да</b> &amp; <a href="https://adilet.zan.kz">закон</a><br>ещё',
     "*Да* & закон: https://adilet.zan.kz\nещё"),
    ("1 < 2 and 3 > 2", "1 < 2 and 3 > 2"),
])
def test_format_keeps_whatsapp_markup_and_drops_html(source: str, expected: str) -> None:
    assert format_text(source) == expected


def test_long_text_is_split_at_paragraph_boundaries() -> None:
    paragraphs = [f"{i}. " + "сөз " * 400 for i in range(8)]  # ~1,600 characters each
    chunks = split_text("\n\n".join(p.strip() for p in paragraphs))
    assert all(len(chunk) <= TEXT_LIMIT for chunk in chunks)
    assert len(chunks) == 4
    assert chunks[0] == "\n\n".join(p.strip() for p in paragraphs[:2])
    assert "\n\n".join(chunks) == "\n\n".join(p.strip() for p in paragraphs)


def test_a_paragraph_longer_than_the_limit_is_cut_at_lines_then_words() -> None:
    chunks = split_text(("жол " * 30 + "\n") * 200)
    assert all(len(c) <= TEXT_LIMIT for c in chunks) and len(chunks) == 7
    assert all(c.endswith("жол") for c in chunks)
    assert [len(c) for c in split_text("x" * 9000)] == [4096, 4096, 808]


def test_short_text_is_one_message() -> None:
    assert render_reply(reply("Сәлем!"), LABELS).messages == [{"type": "text", "text": {"body": "Сәлем!"}}]


def test_up_to_three_choices_are_reply_buttons_with_titles_cut_to_20() -> None:
    rendered = render_reply(reply("Тілді таңдаңыз:", "Қазақ тілі", "Спросить консультанта"), LABELS)
    assert rendered.messages == [{"type": "interactive", "interactive": {
        "type": "button", "body": {"text": "Тілді таңдаңыз:"},
        "action": {"buttons": [
            {"type": "reply", "reply": {"id": "d0", "title": "Қазақ тілі"}},
            {"type": "reply", "reply": {"id": "d1", "title": "Спросить консультан…"}},
        ]}}}]
    assert len("Спросить консультан…") == 20
    assert rendered.choices == ()


def test_four_to_ten_choices_are_a_list_with_the_full_title_in_the_description() -> None:
    long = "Госзаказ на стратегическое партнёрство"
    rendered = render_reply(reply("Тақырып:", "Гранты", long, "Премии", "Назад"), LABELS)
    [message] = rendered.messages
    assert message == {"type": "interactive", "interactive": {
        "type": "list", "body": {"text": "Тақырып:"},
        "action": {"button": "Выберите вариант", "sections": [{"rows": [
            {"id": "d0", "title": "Гранты"},
            {"id": "d1", "title": "Госзаказ на стратегичес…", "description": long},
            {"id": "d2", "title": "Премии"},
            {"id": "d3", "title": "Назад"},
        ]}]}}}
    assert len(render_reply(reply("x", *"abcdefghij"), LABELS).messages[0]["interactive"]["action"]
               ["sections"][0]["rows"]) == 10


def test_row_descriptions_and_the_list_button_stay_within_limits() -> None:
    rendered = render_reply(reply("x", *["Ұзын " * 30] * 4), Labels("Нұсқаны таңдаңыз және жіберіңіз", "-"))
    action = rendered.messages[0]["interactive"]["action"]
    assert len(action["button"]) == 20 and action["button"].endswith("…")
    assert all(len(r["title"]) == 24 and len(r["description"]) == 72
               for r in action["sections"][0]["rows"])


def test_more_than_ten_choices_become_a_numbered_text_answered_by_digit() -> None:
    labels = [f"Тақырып {i}" for i in range(1, 13)]
    rendered = render_reply(reply("*Темы*", *labels), LABELS)
    numbered = "\n".join(f"{i}. Тақырып {i}" for i in range(1, 13))
    assert rendered.messages == [{"type": "text", "text": {
        "body": f"*Темы*\n\n{numbered}\n\nОтправьте номер выбранного варианта."}}]
    assert rendered.choices == tuple(f"d{i}" for i in range(12))


def test_ids_too_long_for_whatsapp_fall_back_to_a_numbered_text() -> None:
    rendered = render_reply(Reply("x", ((Button("t" * 201, "A"), Button("b", "B"),
                                         Button("c", "C"), Button("d", "D")),)), LABELS)
    assert rendered.messages[0]["type"] == "text" and rendered.choices[0] == "t" * 201


def test_labels_identical_once_cut_make_a_list_not_buttons() -> None:
    same = "Мемлекеттік әлеуметтік тапсырыс"
    rendered = render_reply(reply("x", same + " 1", same + " 2"), LABELS)
    assert rendered.messages[0]["interactive"]["type"] == "list"


def test_a_body_over_1024_sends_the_head_as_text_and_keeps_the_last_paragraphs_above_the_choices() -> None:
    text = "\n\n".join(["*Гранттар*", "ә" * 1100, "Дереккөз: заң"])
    rendered = render_reply(reply(text, "Иә", "Жоқ"), LABELS)
    assert len(text) > BODY_LIMIT
    assert rendered.messages == [
        {"type": "text", "text": {"body": "*Гранттар*\n\n" + "ә" * 1100}},
        {"type": "interactive", "interactive": {
            "type": "button", "body": {"text": "Дереккөз: заң"},
            "action": {"buttons": [{"type": "reply", "reply": {"id": "d0", "title": "Иә"}},
                                   {"type": "reply", "reply": {"id": "d1", "title": "Жоқ"}}]}}},
    ]


def test_a_last_paragraph_too_long_for_a_body_leaves_a_short_prompt_above_the_choices() -> None:
    text = "\n\n".join(["*Гранттар*", "ә" * 1100])
    rendered = render_reply(reply(text, "Иә", "Жоқ"), LABELS)
    assert rendered.messages[0] == {"type": "text", "text": {"body": text}}
    assert rendered.messages[1]["interactive"]["body"] == {"text": "Выберите вариант"}


def test_trim_adds_an_ellipsis_only_when_cutting() -> None:
    assert trim("Русский язык", 20) == "Русский язык"
    assert trim("Государственный социальный заказ", 24) == "Государственный социаль…"
