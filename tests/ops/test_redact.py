"""Personal data never reaches a log line: each kind by its label, the rest by the digit fallback."""

import pytest

from bot.ops.redact import redact


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
    ("odd spacing 70 11 23 45 67 8", "odd spacing [phone]"),
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
# How people in Kazakhstan actually write numbers and addresses in a message.
WRITTEN_FORMS = [
    ("мой номер +7 701 123 45 67", "мой номер [phone]"),
    ("тел. 8 701 123 45 67", "тел. [phone]"),
    ("8(701)1234567", "[phone]"),
    ("+7 (701) 123-45-67", "[phone]"),
    ("+7(701)123-45-67", "[phone]"),
    ("8-701-123-45-67", "[phone]"),
    ("8.701.123.45.67", "[phone]"),
    ("+7.701.123.45.67", "[phone]"),
    ("8/701/123/45/67", "[phone]"),
    ("8 701 1234567", "[phone]"),
    ("+7 7011234567", "[phone]"),
    ("+7-701-123-4567", "[phone]"),
    ("701 123 45 67 звоните", "[phone] звоните"),
    ("(701) 123-45-67", "[phone]"),
    ("701.123.45.67", "[phone]"),
    ("701/123/45/67", "[phone]"),
    ("7011234567", "[phone]"),
    ("+7 727 250 00 00 (офис)", "[phone] (офис)"),
    ("8 (7172) 55-00-00", "[phone]"),
    ("WhatsApp: +77071234567", "WhatsApp: [phone]"),
    ("ИИН 900101300123", "ИИН [iin]"),
    ("ЖСН: 900101 300123", "ЖСН: [iin]"),
    ("ИИН 900 101 300 123", "ИИН [iin]"),
    ("ИИН 9001 0130 0123", "ИИН [iin]"),
    ("ИИН 900101.300.123", "ИИН [iin]"),
    ("ИИН 900101/300/123", "ИИН [iin]"),
    ("ИИН 900101-300123", "ИИН [iin]"),
    ("БИН 050140001234 организации", "БИН [iin] организации"),
    ("aigul@mail.kz", "[email]"),
    ("Aigul.Nur+ngo@gov.kz", "[email]"),
    ("aigul (at) mail.kz", "[email]"),
    ("aigul(at)mail.kz", "[email]"),
    ("aigul [at] mail [dot] kz", "[email]"),
    ("aigul{at}mail{dot}kz", "[email]"),
    ("aigul (собака) mail (точка) kz", "[email]"),
    ("почта: aigul <at> ngo.kz", "почта: [email]"),
    ("карта 4400 4301 2345 6789", "карта [card]"),
    ("карта 4400-4301-2345-6789", "карта [card]"),
    ("счёт KZ12 3456 7890 1234 5678", "счёт KZ[number]"),
]
UNTOUCHED = [
    "2026-12-06 18:23:47,769 INFO bot.app.web: civic-desk serving on 127.0.0.1:8080",
    "ts 2026-12-06T18:23:47.113+00:00",
    "at 2026-12-06T18:23:47Z",
    "date 06.12.2026 18:23",
    "time 18:23:47.120",
    "telegram date 1767225600",
    "received at 1767225600123 ms",
    "created 1767225600.5",
    "held until 2026-12-31",
    "Mon-Fri 09:00-13:00,14:00-18:00",
    "answered 42 of 1000 updates in 2.5 s",
]


@pytest.mark.parametrize(("text", "expected"), WRITTEN_FORMS)
def test_every_way_of_writing_personal_data_is_caught(text: str, expected: str) -> None:
    assert redact(text) == expected


@pytest.mark.parametrize("text", UNTOUCHED)
def test_timestamps_and_ordinary_numbers_stay(text: str) -> None:
    assert redact(text) == text


def test_the_table_is_large_enough() -> None:
    assert len(WRITTEN_FORMS) + len(UNTOUCHED) >= 40
