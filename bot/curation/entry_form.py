"""An entry as the console's editor shows it: flat form fields <-> the YAML mapping of an entry file.

The form does not judge: whatever the curator typed becomes the mapping the
loader reads, and the loader's own rules (`publish.review_draft`, the rules of
`kb check`) say what is wrong, field by field. Lists are one item a line;
sources are rows of act, article and address.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from knowledge import Problem
from knowledge.model import LANGS

PER_LANG_TEXT = ("title", "answer")
PER_LANG_LIST = ("questions", "keywords")
SCALARS = ("id", "category", "action", "owner", "link")
DATES = ("checked", "review_by")
SOURCE_PARTS = ("act", "article", "url")
SPARE_SOURCE_ROWS = 1  # empty rows offered after the filled ones
_INDEXED = re.compile(r"(?P<name>[a-z_]+)\[(?P<index>\d+)\]")


@dataclass
class EntryForm:
    """Every field of the editor as text; `sources` rows of (act, article, url)."""

    values: dict[str, str] = field(default_factory=dict)
    sources: list[tuple[str, str, str]] = field(default_factory=list)

    def get(self, name: str) -> str:
        return self.values.get(name, "")

    def source_rows(self) -> list[tuple[str, str, str]]:
        return [*self.sources, *[("", "", "")] * SPARE_SOURCE_ROWS]


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _lines(value: object) -> str:
    return "\n".join(_text(v) for v in value) if isinstance(value, list) else _text(value)


def from_mapping(data: Mapping[str, Any]) -> EntryForm:
    """The editor's fields for an entry mapping (a draft's or a published file's)."""
    values = {name: _text(data.get(name)) for name in (*SCALARS, *DATES)}
    for name in (*PER_LANG_TEXT, *PER_LANG_LIST):
        per_lang = data.get(name) if isinstance(data.get(name), dict) else {}
        for lang in LANGS:
            values[f"{name}_{lang}"] = _lines(per_lang.get(lang))
    related = data.get("related")
    values["related"] = " ".join(map(_text, related)) if isinstance(related, list) else _text(related)
    sources = [tuple(_text(item.get(part)) for part in SOURCE_PARTS) for item in data.get("sources") or []
               if isinstance(item, dict)]
    return EntryForm(values, sources)  # type: ignore[arg-type]


def from_fields(fields: Mapping[str, str]) -> EntryForm:
    """The form as posted: names as `from_mapping` gives them, sources as `source_<part>_<row>`."""
    names = [*SCALARS, *DATES, "related",
             *(f"{name}_{lang}" for name in (*PER_LANG_TEXT, *PER_LANG_LIST) for lang in LANGS)]
    values = {name: str(fields.get(name, "")).replace("\r\n", "\n") for name in names}
    rows = sorted({int(m.group(1)) for key in fields if (m := re.fullmatch(r"source_act_(\d+)", key))})
    sources = [tuple(str(fields.get(f"source_{part}_{row}", "")).strip() for part in SOURCE_PARTS) for row in rows]
    return EntryForm(values, [s for s in sources if any(s)])  # type: ignore[misc]


def _date_or_text(text: str) -> dt.date | str:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return text  # the loader names what is wrong with it


def _items(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def to_mapping(form: EntryForm) -> dict[str, Any]:
    """The entry file's mapping, in the order curators are used to reading it."""
    v = {name: value.strip() for name, value in form.values.items()}
    entry: dict[str, Any] = {name: v.get(name, "") for name in ("id", "category", "action")}
    entry["title"] = {lang: v.get(f"title_{lang}", "") for lang in LANGS}
    for name in PER_LANG_LIST:
        entry[name] = {lang: _items(form.get(f"{name}_{lang}")) for lang in LANGS}
    entry["answer"] = {lang: form.get(f"answer_{lang}").strip("\n").rstrip() for lang in LANGS}
    entry["link"] = v.get("link", "")
    entry["sources"] = [{part: value for part, value in zip(SOURCE_PARTS, row, strict=True) if value}
                        for row in form.sources]
    for name in DATES:
        entry[name] = _date_or_text(v.get(name, ""))
    entry["owner"] = v.get("owner", "")
    entry["related"] = v.get("related", "").replace(",", " ").split()
    return entry


def field_of(problem: Problem) -> str:
    """The editor's field a validator finding belongs to (`answer.kk` -> `answer_kk`,
    `sources[1].url` -> `sources`); "" for the entry as a whole."""
    name = problem.field
    if (indexed := _INDEXED.match(name)) is not None:
        return indexed.group("name")
    head, _, lang = name.partition(".")
    if lang in LANGS:
        return f"{head}_{lang}"
    return name if name in (*SCALARS, *DATES, "sources", "related") else ""


def by_field(problems: Iterable[Problem], own_file: str) -> dict[str, list[Problem]]:
    """Findings grouped by the editor's field; those of other files (a phrasing another entry has
    too) under "" with the entry as a whole."""
    grouped: dict[str, list[Problem]] = {}
    for problem in problems:
        key = field_of(problem) if problem.file in (own_file, "draft") else ""
        grouped.setdefault(key, []).append(problem)
    return grouped
