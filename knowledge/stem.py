"""A light suffix stripper for folded Kazakh and Russian tokens.

Kazakh is agglutinative (гранттарға = грант + тар + ға) and Russian inflects
endings (заявку, заявки, заявка). Full morphological analysers cannot read
folded, typo'd or transliterated words (../shared/design/nlp-packages.md), so
the matcher strips the common endings itself and leaves a stem of at least
four letters. It works on the folded key, where ә = а, і = и and so on.
"""

from __future__ import annotations

from functools import lru_cache

MIN_STEM = 4

# Kazakh endings (folded): plural, possessive, case, and the common verb forms.
_KAZAKH = (
    "ларынызга", "лериниздин", "ларымыз", "леримиз", "ларынын", "леринин", "ларына", "лерине",
    "ларын", "лерин", "лары", "лери", "дары", "дери", "тары", "тери",
    "лар", "лер", "дар", "дер", "тар", "тер",
    "ымыз", "имиз", "ыныз", "иниз", "мыз", "миз", "ныз", "низ", "сыз", "сиз",
    "нын", "нин", "дын", "дин", "тын", "тин", "нан", "нен", "дан", "ден", "тан", "тен",
    "нда", "нде", "ында", "инде", "ына", "ине", "ын", "ин", "мен", "бен", "пен",
    "уга", "уге", "ута", "уда", "уды", "уды", "удын", "удин",
    "ганда", "генде", "кан", "кен", "ган", "ген", "атын", "етин", "итин", "йтин",
    "амын", "емин", "аймын", "еимин", "амыз", "емиз", "асыз", "есиз", "ады", "еди", "иди", "ыды",
    "мын", "мин", "сын", "син", "ып", "ип",
    "га", "ге", "ка", "ке", "на", "не", "да", "де", "та", "те", "ны", "ни", "ды", "ди", "ты", "ти",
    "сы", "си", "ым", "им", "у",
)
# Russian endings (folded: й -> и, ё -> е).
_RUSSIAN = (
    "иями", "ями", "ами", "ого", "его", "ому", "ему", "ыми", "ими", "ыи", "ии",
    "ая", "яя", "ое", "ее", "ые", "ие", "ых", "их", "ым", "им", "ои", "еи", "ую", "юю",
    "ом", "ем", "ам", "ям", "ах", "ях", "ов", "ев", "ия", "ие", "ию",
    "ться", "тся", "ать", "ять", "ить", "еть", "уть", "ешь", "ишь", "ет", "ит", "ут", "ют",
    "ат", "ят", "ся", "ть", "ик",
    "а", "я", "о", "е", "ы", "и", "у", "ю", "ь",
)
_SUFFIXES = tuple(sorted(set(_KAZAKH) | set(_RUSSIAN), key=len, reverse=True))


@lru_cache(maxsize=65536)
def stem(token: str) -> str:
    """Strip endings one after another while a stem of MIN_STEM letters remains."""
    changed = True
    while changed:
        changed = False
        for suffix in _SUFFIXES:
            if token.endswith(suffix) and len(token) - len(suffix) >= MIN_STEM:
                token = token[: -len(suffix)]
                changed = True
                break
    return token
