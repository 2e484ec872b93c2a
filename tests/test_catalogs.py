"""UI catalogs: every message translated in kk and ru with the same placeholders and tags."""

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from handlers.i18n import DEFAULT_LOCALES, LANGUAGES

PLACEHOLDER = re.compile(r"\{[a-z_]*\}")
TAG = re.compile(r"</?[a-z]+>")


def catalog(lang: str):  # type: ignore[no-untyped-def]
    with (DEFAULT_LOCALES / lang / "LC_MESSAGES" / "messages.po").open("rb") as po:
        return read_po(po, locale=lang)


def template_ids() -> set[str]:
    with (DEFAULT_LOCALES / "messages.pot").open("rb") as pot:
        return {m.id for m in read_po(pot) if m.id}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_message_is_translated_with_matching_placeholders_and_tags(lang: str) -> None:
    messages = [m for m in catalog(lang) if m.id]
    assert {m.id for m in messages} >= template_ids()
    for message in messages:
        assert message.string, f"{lang}: no translation for {message.id!r}"
        assert not message.fuzzy, f"{lang}: fuzzy translation for {message.id!r}"
        assert sorted(PLACEHOLDER.findall(message.string)) == sorted(PLACEHOLDER.findall(message.id)), message.id
        assert TAG.findall(message.string) == TAG.findall(message.id), message.id


def test_the_template_holds_every_message_the_code_uses() -> None:
    used = set()
    for package in ("handlers", "bot"):
        for path in (Path(DEFAULT_LOCALES).parent / package).rglob("*.py"):
            used |= set(re.findall(r'\b_\("((?:[^"\\]|\\.)*)"', path.read_text(encoding="utf-8")))
    single_line = {m for m in used if "\\n" not in m}
    missing = {m for m in single_line if m not in template_ids() and not any(m in t for t in template_ids())}
    assert not missing, f"run pybabel extract: {missing}"
