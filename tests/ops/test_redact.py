"""Personal data never reaches a log line: each kind by its label, the rest by the digit fallback."""

import pytest

from bot.redact import redact


@pytest.mark.parametrize(("text", "expected"), [
    ("write to aigerim.s+ngo@mail.kz please", "write to [email] please"),
    ("card 4111 1111 1111 1111 paid", "card [card] paid"),
    ("card 4111-1111-1111-1111", "card [card]"),
    ("card 4111111111111111", "card [card]"),
    ("ИИН 900101300123 владельца", "ИИН [iin] владельца"),
    ("+7 701 123 45 67", "[phone]"),
    ("8 (701) 123-45-67", "[phone]"),
    ("87011234567", "[phone]"),
    ("wa_id 77011234567 wrote", "wa_id [phone] wrote"),
    ("+77011234567", "[phone]"),
    ("+4915112345678 from Germany", "[phone] from Germany"),
    ("odd spacing 70 11 23 45 67 8", "odd spacing [number]"),
    ("/v21.0/106540352242922/messages", "/v21.0/[number]/messages"),
])
def test_personal_data_is_replaced_by_its_kind(text: str, expected: str) -> None:
    assert redact(text) == expected


@pytest.mark.parametrize("text", [
    "processing telegram event 42 failed",
    "Graph API answered 429 (code 130429, attempt 2)",
    "listening on 127.0.0.1:8080",
    "update_id 500001 chat 4242",
    "schema at 0003, the desk needs 0004",
    "consultants' group -1001234567890 was upgraded: it is -1009876543210 now",
])
def test_ordinary_numbers_stay(text: str) -> None:
    assert redact(text) == text


def test_several_kinds_in_one_line() -> None:
    line = "user 77011234567 (a@b.kz, IIN 900101300123) sent 4111 1111 1111 1111"
    assert redact(line) == "user [phone] ([email], IIN [iin]) sent [card]"


def test_a_long_number_without_a_card_check_digit_is_a_number_not_a_card() -> None:
    assert redact("ref 4400 4301 2345 6788") == "ref [number]"


@pytest.mark.parametrize(("text", "expected"), [
    ("-87011234567", "-[phone]"),
    ("1001234567890", "[number]"),
    ("8-1001234567890", "[number]"),
    ("user -1001234567890 +7 701 123 45 67", "user -1001234567890 [phone]"),
    ("-10012345678900", "-[number]"),
])
def test_only_a_group_chat_id_escapes_the_digit_rules(text: str, expected: str) -> None:
    assert redact(text) == expected
