"""Text normalisation shared by the index and the queries.

Users type Kazakh in Cyrillic, without Kazakh letters (on a Russian keyboard),
in the 2021 Latin alphabet or in informal ASCII, and mix in Russian. Every
form is folded to one matching key: lower-case Cyrillic without the Kazakh
letters that a Russian keyboard lacks. The key is never shown to users.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# Apostrophe forms of the 2017 Latin alphabet (a' = ә, g' = ғ ...), applied before tokenising.
_APOSTROPHE = re.compile(r"([aoyuginsc])['’`ʼ]")
_APOSTROPHE_MAP = {"a": "ä", "o": "ö", "u": "ü", "y": "ū", "g": "ğ", "i": "ı", "n": "ñ", "s": "ş", "c": "ç"}

# Latin -> Cyrillic: digraphs first, then single letters (2021, 2018 acute and ASCII habits).
# No "ts" -> ц: in Latin-script Kazakh "t" + "s" is common (sälemetsız, ketse).
_LATIN_DIGRAPHS = (
    ("shch", "щ"), ("sch", "щ"), ("sh", "ш"), ("ch", "ч"), ("zh", "ж"), ("kh", "х"),
    ("gh", "ғ"), ("yo", "ё"), ("yu", "ю"), ("ya", "я"),
)
_LATIN_LETTERS = {
    "a": "а", "ä": "ә", "á": "ә", "b": "б", "c": "с", "ç": "ч", "d": "д", "e": "е", "é": "е",
    "f": "ф", "g": "г", "ğ": "ғ", "ǵ": "ғ", "h": "х", "ı": "і", "i": "и", "í": "и", "j": "ж",
    "k": "к", "l": "л", "m": "м", "n": "н", "ñ": "ң", "ń": "ң", "o": "о", "ö": "ө", "ó": "ө",
    "p": "п", "q": "қ", "r": "р", "s": "с", "ş": "ш", "t": "т", "u": "у", "ū": "ұ", "ü": "ү",
    "ú": "ү", "ý": "у", "v": "в", "w": "у", "x": "х", "y": "ы", "z": "з",
}
# Latin letters that look like Cyrillic ones, for tokens typed in both scripts at once.
_LOOKALIKES = str.maketrans({
    "a": "а", "e": "е", "o": "о", "p": "р", "c": "с", "x": "х", "y": "у", "k": "к",
    "m": "м", "t": "т", "h": "һ", "i": "і",
})
# What a Russian keyboard cannot type, folded to the letter people type instead.
_KEYBOARD_FOLD = str.maketrans({
    "ә": "а", "ғ": "г", "қ": "к", "ң": "н", "ө": "о", "ұ": "у", "ү": "у", "һ": "х",
    "і": "и", "й": "и", "ё": "е", "ъ": "ь",
})
_TOKEN = re.compile(r"[^\W\d_]+|\d+")
LATIN = re.compile(r"[a-zäáçéğǵıíñńöóşūüúý]")
CYRILLIC = re.compile(r"[а-яёәғқңөұүһі]")
KAZAKH_LETTERS = frozenset("әғқңөұүһі")
KAZAKH_LATIN_LETTERS = frozenset("äğıñöşūüqáǵńóúý")


def clean(text: str) -> str:
    """NFC, lower case, the Turkish dotted-I quirk and control characters removed."""
    text = unicodedata.normalize("NFC", text).replace("İ", "i").lower().replace("i\u0307", "i")
    if text.isprintable():  # nearly every message: no need to look at each character
        return text
    return "".join(ch if ch.isprintable() else " " for ch in text)


def _latin_to_cyrillic(token: str) -> str:
    for latin, cyrillic in _LATIN_DIGRAPHS:
        token = token.replace(latin, cyrillic)
    return "".join(_LATIN_LETTERS.get(ch, ch) for ch in token)


@lru_cache(maxsize=65536)
def to_cyrillic(token: str) -> str:
    """Read one lower-case token in Cyrillic, whatever script it was typed in."""
    has_latin = bool(LATIN.search(token))
    if not has_latin:
        return token
    if CYRILLIC.search(token):
        return token.translate(_LOOKALIKES)
    return _latin_to_cyrillic(token)


def fold(token: str) -> str:
    """The Russian-keyboard fold of a Cyrillic token."""
    return token.translate(_KEYBOARD_FOLD)


def raw_tokens(text: str) -> list[str]:
    """Lower-case tokens in Cyrillic (Kazakh letters kept), for language detection."""
    text = _APOSTROPHE.sub(lambda m: _APOSTROPHE_MAP[m.group(1)], clean(text))
    return [to_cyrillic(t) for t in _TOKEN.findall(text)]


def tokens(text: str) -> list[str]:
    """Matching keys: tokens in folded Cyrillic."""
    return [fold(t) for t in raw_tokens(text)]


_SENTENCE_END = re.compile(r"[.!?…;]+(?=\s|$)|\n+")


def sentences(text: str) -> list[str]:
    """The text cut after sentence-ending punctuation followed by a space, and at line breaks
    ("01.07.2025" stays whole)."""
    return [s for s in (part.strip() for part in _SENTENCE_END.split(text)) if s]


def normalise(text: str) -> str:
    """The whole text as one matching key."""
    return " ".join(tokens(text))
