"""Texts for curators lose what identifies a person: names, phones, IINs, e-mails, cards, addresses."""

from __future__ import annotations

import pytest

from bot.ops.masking import mask


@pytest.mark.parametrize(("text", "masked"), [
    ("Меня зовут Ольга Петрова, мой номер 8 (701) 123-45-67", "Меня зовут [name], мой номер [phone]"),
    ("Менің атым Әсел, ЖСН 900101300123", "Менің атым [name], ЖСН [iin]"),
    ("живём ул. Абая 15, кв. 3, почта olga@mail.kz", "живём [address], почта [email]"),
    ("Карта 4111 1111 1111 1111 для взноса", "Карта [card] для взноса"),
    ("Как изменить устав общественного объединения?", "Как изменить устав общественного объединения?"),
])
def test_personal_data_is_replaced_by_labels(text: str, masked: str) -> None:
    assert mask(text) == masked


def test_known_names_are_masked_in_any_form() -> None:
    assert mask("Айгүлге айтыңыз, Айгүл Серікова күтеді", ["Айгүл Серікова"]) == "[name] айтыңыз, [name] [name] күтеді"
