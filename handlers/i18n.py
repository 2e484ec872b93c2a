"""UI text in Kazakh and Russian through gettext catalogs.

Catalogs live in `locales/<lang>/LC_MESSAGES/messages.po`. The compiled `.mo`
files are not committed: they are built by the install, CI and tests, and a
missing or stale one is compiled here from its `.po` on start, so a fresh
clone never runs with untranslated UI.
"""

from __future__ import annotations

import gettext
from collections.abc import Callable
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LANGUAGES = ("kk", "ru")
DOMAIN = "messages"
DEFAULT_LOCALES = Path(__file__).resolve().parent.parent / "locales"

Gettext = Callable[[str], str]


def compile_catalogs(locales: Path = DEFAULT_LOCALES) -> list[Path]:
    """Compile every stale `.po` to `.mo`; returns the files written."""
    written = []
    for lang in LANGUAGES:
        po_path = locales / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with po_path.open("rb") as po_file:
            catalog = read_po(po_file, locale=lang)
        with mo_path.open("wb") as mo_file:
            write_mo(mo_file, catalog)
        written.append(mo_path)
    return written


class Translator:
    """Gives the gettext function of a language; fails at start if a catalog is missing."""

    def __init__(self, locales: Path = DEFAULT_LOCALES) -> None:
        compile_catalogs(locales)
        self._catalogs = {
            lang: gettext.translation(DOMAIN, localedir=str(locales), languages=[lang])
            for lang in LANGUAGES
        }

    def __call__(self, lang: str) -> Gettext:
        catalog = self._catalogs.get(lang) or self._catalogs[LANGUAGES[0]]
        return catalog.gettext
