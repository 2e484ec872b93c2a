"""Personal data out of log lines: e-mails, card numbers, IINs, phone numbers, long digit runs.

Numbers are caught however people write them (spaces, dots, slashes, dashes, brackets),
e-mails also when written "name (at) host"; dates, times and Unix times are left alone.

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
# "aigul (at) mail.kz", "aigul[at]mail[dot]kz", "aigul {собака} mail.kz": an address written to dodge robots.
_AT = r"\s*[(\[{<]\s*(?:at|собака|эт)\s*[)\]}>]\s*"
_DOT = r"(?:\s*[(\[{<]\s*(?:dot|точка|нүкте)\s*[)\]}>]\s*|\.)"
OBFUSCATED_EMAIL = re.compile(rf"[\w.+-]+{_AT}[\w-]+(?:{_DOT}[\w-]+)+", re.IGNORECASE)
# 13-19 digits, alone or in groups split by single spaces or dashes, with a valid check digit.
CARD = re.compile(r"(?<![\d+])\d{4}(?:[ -]?\d{4}){2}[ -]?\d{1,7}(?!\d)")
_SEP = r"[ ./-]?"  # people split numbers with spaces, dots, slashes or dashes
# Kazakhstan's individual identification number: twelve digits, however grouped.
IIN = re.compile(rf"(?<![\d+])(?<!\d[ ./-])\d(?:{_SEP}\d){{11}}(?!{_SEP}\d)")
# +7 / 8 and ten digits, or a mobile's ten digits alone, in the usual groupings: +7 701 123 45 67,
# 8(701)123-45-67, 8.701.123.45.67, 701/123/45/67...
PHONE = re.compile(r"(?<![\w+])(?:\+?7|8)(?:[ ./()-]{0,2}\d){10}(?!\d)"  # +7 / 8 and ten digits, any grouping
                   rf"|(?<![\w+])\(?7\d{{2}}\)?{_SEP}\d{{3}}{_SEP}\d{{2}}{_SEP}\d{{2}}(?!\d)"  # a mobile's ten alone
                   r"|\+\d{10,15}(?!\d)")
# Anything else with ten or more digits, single spaces, dashes or brackets between them.
DIGIT_RUN = re.compile(r"\+?\d(?:[ ()-]?\d){9,}")
# A supergroup's or channel's chat id; no phone number is written with a leading minus and 100.
GROUP_CHAT_ID = r"(?<![\w+-])-100\d{10}(?!\d)"
# Dates and times (2026-12-06 18:23:47.123+00:00, 06.12.2026, 18:23:47,769) and Unix times in
# seconds or milliseconds, which the digit fallback would otherwise eat.
TIMESTAMP = (r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?"
             r"|\d{2}\.\d{2}\.\d{4}(?: \d{2}:\d{2}(?::\d{2})?)?"
             r"|\d{2}:\d{2}:\d{2}(?:[.,]\d+)?"
             r"|(?<![\d.])1[5-9]\d{8}(?:\d{3})?(?:\.\d+)?(?![\d.])")
# What stays as written: split out (the group captures it) before the patterns below run.
SPARED = re.compile(f"({GROUP_CHAT_ID}|{TIMESTAMP})")


def luhn_valid(number: str) -> bool:
    """The check digit every payment card number carries; tells a card from any long number."""
    digits = [int(d) for d in reversed(number) if d.isdigit()]
    total = sum(d if i % 2 == 0 else (d * 2 - 9 if d > 4 else d * 2) for i, d in enumerate(digits))
    return total % 10 == 0


def _card(match: re.Match[str]) -> str:
    return "[card]" if luhn_valid(match.group()) else match.group()


REPLACEMENTS: tuple[tuple[re.Pattern[str], str | Callable[[re.Match[str]], str]], ...] = (
    (EMAIL, "[email]"), (OBFUSCATED_EMAIL, "[email]"), (CARD, _card), (IIN, "[iin]"), (PHONE, "[phone]"),
    (DIGIT_RUN, "[number]"))


def _redact_part(text: str) -> str:
    for pattern, replacement in REPLACEMENTS:
        text = pattern.sub(replacement, text)
    return text


def redact(text: str) -> str:
    """`text` with every e-mail, card number, IIN, phone number and long digit run replaced;
    timestamps and group chat ids stay as they are."""
    parts = SPARED.split(text)  # odd items are the spared ones
    return "".join(part if index % 2 else _redact_part(part) for index, part in enumerate(parts))
