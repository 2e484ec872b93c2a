"""Personal data out of texts shown to people who need no identity: report examples and draft entries.

`bot.ops.redact` hides what a pattern can recognise (e-mails, cards, IINs, phones,
long numbers); a text for a curator must also lose the names it mentions and
street addresses. Names come from what the desk knows (the ticket's user, the
consultant) and from self-introductions ("меня зовут ...", "менің атым ...").
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from bot.ops.redact import redact

NAME = "[name]"
ADDRESS = "[address]"
_WORD = r"[A-ZА-ЯЁӘҒҚҢӨҰҮҺІ][a-zа-яёәғқңөұүһі'-]+"
INTRODUCTION = re.compile(
    r"(?P<lead>\b(?:меня зовут|моё имя|мое имя|я\s*[-—]|менің атым|атым|есімім)\s+)"
    rf"(?P<name>{_WORD}(?:\s+{_WORD}){{0,2}})", re.IGNORECASE)
STREET = (r"(?:ул\.|улица|пр\.|просп\.|проспект|пр-т|мкр\.?|микрорайон|бульвар|б-р|переулок|пер\.|"
          r"шағын аудан|ш/а|көшесі|даңғылы)")
ADDRESS_PATTERN = re.compile(
    rf"(?:{STREET}\s*[^,;\n]{{1,40}}?|[^,;\n\s]{{2,30}}\s+{STREET})"
    r"(?:[\s,]*(?:д\.|дом|үй|№)?\s*\d+[а-яa-z]?)(?:[\s,]*(?:кв\.|квартира|пәтер|оф\.|офис)\s*\d+)?",
    re.IGNORECASE)


def mask(text: str, names: Iterable[str] = ()) -> str:
    """`text` with identifying data replaced by labels: [name], [address], [phone], [iin]..."""
    text = ADDRESS_PATTERN.sub(ADDRESS, text)
    text = INTRODUCTION.sub(lambda m: m.group("lead") + NAME, text)
    for word in sorted({w for name in names for w in name.split() if len(w) >= 3}, key=len, reverse=True):
        text = re.sub(rf"(?<!\w){re.escape(word)}\w*", NAME, text, flags=re.IGNORECASE)
    return redact(text)
