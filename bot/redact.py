"""Personal data out of log lines: e-mails, card numbers, IINs, phone numbers, long digit runs.

Logs travel further than the database (files, collectors, support tickets), so
nothing that identifies a person may reach them. The named patterns give a
readable label; the digit-run fallback catches what they miss (a number typed
with odd spacing, a WhatsApp id inside a URL) at the price of hiding a few
harmless long numbers. Telegram supergroup ids (-100 and ten digits) name a
group, not a person, and the operator must be able to read them: they stay.
"""

from __future__ import annotations

import re
from collections.abc import Callable

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# 13-19 digits, alone or in groups split by single spaces or dashes, with a valid check digit.
CARD = re.compile(r"(?<![\d+])\d{4}(?:[ -]?\d{4}){2}[ -]?\d{1,7}(?!\d)")
IIN = re.compile(r"(?<!\d)\d{12}(?!\d)")  # Kazakhstan's individual identification number
# +7 / 8 and ten digits in the usual Kazakh groupings: +7 701 123 45 67, 8(701)123-45-67...
PHONE = re.compile(r"(?<![\w+])(?:\+?7|8)[ -]?\(?\d{3}\)?[ -]?\d{3}[ -]?\d{2}[ -]?\d{2}(?!\d)"
                   r"|\+\d{10,15}(?!\d)")
# Anything else with ten or more digits, single spaces, dashes or brackets between them.
DIGIT_RUN = re.compile(r"\+?\d(?:[ ()-]?\d){9,}")
# A supergroup's or channel's chat id; no phone number is written with a leading minus and 100.
GROUP_CHAT_ID = re.compile(r"((?<![\w+-])-100\d{10}(?!\d))")


def luhn_valid(number: str) -> bool:
    """The check digit every payment card number carries; tells a card from any long number."""
    digits = [int(d) for d in reversed(number) if d.isdigit()]
    total = sum(d if i % 2 == 0 else (d * 2 - 9 if d > 4 else d * 2) for i, d in enumerate(digits))
    return total % 10 == 0


def _card(match: re.Match[str]) -> str:
    return "[card]" if luhn_valid(match.group()) else match.group()


REPLACEMENTS: tuple[tuple[re.Pattern[str], str | Callable[[re.Match[str]], str]], ...] = (
    (EMAIL, "[email]"), (CARD, _card), (IIN, "[iin]"), (PHONE, "[phone]"), (DIGIT_RUN, "[number]"))


def redact(text: str) -> str:
    """`text` with every e-mail, card number, IIN, phone number and long digit run replaced
    (group chat ids kept)."""
    parts = GROUP_CHAT_ID.split(text)  # odd items are the group ids, split out untouched
    return "".join(part if index % 2 else _redact(part) for index, part in enumerate(parts))


def _redact(text: str) -> str:
    for pattern, replacement in REPLACEMENTS:
        text = pattern.sub(replacement, text)
    return text
