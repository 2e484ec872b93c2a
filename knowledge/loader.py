"""Load the knowledge base from files and validate it.

A curator edits YAML files, so every problem is reported as `file: field:
problem`, all at once, and a broken base never starts the desk.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from knowledge.model import LANGS, Action, Category, Entry, KnowledgeBase, Source
from knowledge.text import normalise

DEFAULT_DIR = Path(__file__).resolve().parent
MIN_QUESTIONS = 6
ANSWER_SOFT_LIMIT = 900  # what a messenger reader takes in at a glance
ANSWER_HARD_LIMIT = 1024  # WhatsApp's interactive body limit; the answer must fit one message
_ENTRY_DIRS = ("entries", "out_of_scope")


@dataclass(frozen=True)
class Problem:
    """One finding of the validator."""

    file: str
    field: str
    message: str
    severity: str = "error"  # or "warning"

    def __str__(self) -> str:
        return f"{self.file}: {self.field}: {self.message}"


class KnowledgeError(Exception):
    """The base cannot be used; carries every problem found."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


class _Collector:
    """Gathers problems for one file while its fields are read."""

    def __init__(self, file: str, problems: list[Problem]) -> None:
        self.file = file
        self.problems = problems

    def error(self, field: str, message: str) -> None:
        self.problems.append(Problem(self.file, field, message))

    def warn(self, field: str, message: str) -> None:
        self.problems.append(Problem(self.file, field, message, "warning"))

    def text(self, data: dict[str, Any], field: str) -> str:
        value = data.get(field)
        if not isinstance(value, str) or not value.strip():
            self.error(field, "missing or empty text")
            return ""
        return value.strip()

    def per_lang_text(self, data: dict[str, Any], field: str) -> dict[str, str]:
        value = data.get(field)
        if not isinstance(value, dict):
            self.error(field, "must map kk and ru to text")
            return {}
        out = {}
        for lang in LANGS:
            text = value.get(lang)
            if not isinstance(text, str) or not text.strip():
                self.error(f"{field}.{lang}", "missing or empty")
            else:
                out[lang] = text.strip()
        return out

    def per_lang_list(self, data: dict[str, Any], field: str, minimum: int) -> dict[str, tuple[str, ...]]:
        value = data.get(field)
        if not isinstance(value, dict):
            self.error(field, "must map kk and ru to lists")
            return {lang: () for lang in LANGS}
        out = {}
        for lang in LANGS:
            items = value.get(lang) or []
            if not isinstance(items, list) or not all(isinstance(i, str) and i.strip() for i in items):
                self.error(f"{field}.{lang}", "must be a list of non-empty texts")
                items = []
            if len(items) < minimum:
                self.error(f"{field}.{lang}", f"{len(items)} given, at least {minimum} needed")
            out[lang] = tuple(i.strip() for i in items)
        return out


def _read_yaml(path: Path, problems: list[Problem]) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        problems.append(Problem(str(path), "file", f"cannot be read as YAML ({exc.__class__.__name__}: {exc})"))
        return None


def _sources(c: _Collector, data: dict[str, Any], required: bool) -> tuple[Source, ...]:
    raw = data.get("sources") or []
    if not isinstance(raw, list):
        c.error("sources", "must be a list")
        return ()
    sources = []
    for i, item in enumerate(raw):
        if not isinstance(item, dict) or not str(item.get("act", "")).strip():
            c.error(f"sources[{i}].act", "missing")
            continue
        url = str(item.get("url", "")).strip()
        if not url.startswith(("https://", "http://")):
            c.error(f"sources[{i}].url", "missing or not a web address")
        sources.append(Source(str(item["act"]).strip(), str(item.get("article", "")).strip(), url))
    if required and not sources:
        c.error("sources", "an answer needs at least one legal source")
    return tuple(sources)


def _checked(c: _Collector, data: dict[str, Any], today: dt.date, max_age_days: int) -> dt.date:
    value = data.get("checked")
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value)
        except ValueError:
            value = None
    if not isinstance(value, dt.date):
        c.error("checked", "missing or not a date (YYYY-MM-DD)")
        return dt.date.min
    if value > today:
        c.error("checked", f"{value} is in the future")
    elif (today - value).days > max_age_days:
        c.warn("checked", f"{value} is older than {max_age_days} days: due for review")
    return value


def _entry(path: Path, data: Any, problems: list[Problem], today: dt.date, max_age: int) -> Entry | None:
    c = _Collector(str(path), problems)
    if not isinstance(data, dict):
        c.error("file", "must hold one entry (a mapping)")
        return None
    before = len([p for p in problems if p.severity == "error"])
    entry_id = c.text(data, "id")
    if entry_id and entry_id != path.stem:
        c.error("id", f"'{entry_id}' differs from the file name '{path.stem}'")
    try:
        action = Action(data.get("action", "answer"))
    except ValueError:
        c.error("action", f"'{data.get('action')}' is not one of {[a.value for a in Action]}")
        action = Action.ANSWER
    answer = c.per_lang_text(data, "answer")
    for lang, text in answer.items():
        if len(text) > ANSWER_HARD_LIMIT:
            c.error(f"answer.{lang}", f"{len(text)} characters, the limit is {ANSWER_HARD_LIMIT}")
        elif len(text) > ANSWER_SOFT_LIMIT:
            c.warn(f"answer.{lang}", f"{len(text)} characters, aim for at most {ANSWER_SOFT_LIMIT}")
    link = str(data.get("link") or "").strip()
    if link and not link.startswith(("https://", "http://")):
        c.error("link", "not a web address")
    related = data.get("related") or []
    if not isinstance(related, list):
        c.error("related", "must be a list of entry ids")
        related = []
    entry = Entry(
        id=entry_id,
        category=c.text(data, "category"),
        action=action,
        title=c.per_lang_text(data, "title"),
        questions=c.per_lang_list(data, "questions", MIN_QUESTIONS),
        keywords=c.per_lang_list(data, "keywords", 0),
        answer=answer,
        checked=_checked(c, data, today, max_age),
        link=link,
        sources=_sources(c, data, required=action is Action.ANSWER),
        related=tuple(str(r) for r in related),
        path=str(path),
    )
    after = len([p for p in problems if p.severity == "error"])
    return entry if after == before else None


def _categories(root: Path, problems: list[Problem]) -> tuple[Category, ...]:
    path = root / "categories.yaml"
    data = _read_yaml(path, problems)
    if not isinstance(data, list):
        problems.append(Problem(str(path), "file", "must be a list of categories"))
        return ()
    out = []
    for i, item in enumerate(data):
        c = _Collector(str(path), problems)
        if not isinstance(item, dict):
            c.error(f"[{i}]", "must be a mapping")
            continue
        out.append(Category(c.text(item, "id"), c.per_lang_text(item, "title"), int(item.get("order", i))))
    return tuple(out)


def _synonyms(root: Path, problems: list[Problem]) -> dict[str, tuple[str, ...]]:
    path = root / "synonyms.yaml"
    if not path.exists():
        return {}
    data = _read_yaml(path, problems)
    groups = {}
    if not isinstance(data, dict):
        problems.append(Problem(str(path), "file", "must map group names to lists of terms"))
        return {}
    for name, terms in data.items():
        if not isinstance(terms, list) or not all(isinstance(t, str) and t.strip() for t in terms):
            problems.append(Problem(str(path), str(name), "must be a list of non-empty terms"))
            continue
        groups[str(name)] = tuple(t.strip() for t in terms)
    return groups


def _cross_checks(entries: list[Entry], categories: Iterable[Category], problems: list[Problem]) -> None:
    """Checks that need the whole base: unique ids, links between entries, shared phrasings."""
    category_ids = {c.id for c in categories}
    seen: dict[str, Entry] = {}
    phrasing_owner: dict[str, Entry] = {}
    for entry in entries:
        if entry.id in seen:
            problems.append(Problem(entry.path, "id", f"'{entry.id}' already used by {seen[entry.id].path}"))
        seen[entry.id] = entry
        if entry.category not in category_ids:
            problems.append(Problem(entry.path, "category", f"'{entry.category}' is not in categories.yaml"))
        for lang in LANGS:
            for question in entry.questions.get(lang, ()):
                key = normalise(question)
                owner = phrasing_owner.setdefault(key, entry)
                if owner is not entry:
                    problems.append(Problem(entry.path, f"questions.{lang}",
                                            f"'{question}' is also a phrasing of {owner.id}"))
    for entry in entries:
        for i, rel in enumerate(entry.related):
            if rel not in seen:
                problems.append(Problem(entry.path, f"related[{i}]", f"'{rel}' is not an entry id"))
            elif rel == entry.id:
                problems.append(Problem(entry.path, f"related[{i}]", "an entry cannot relate to itself"))


def check_base(root: Path = DEFAULT_DIR, *, max_age_days: int = 365,
               today: dt.date | None = None) -> tuple[KnowledgeBase, list[Problem]]:
    """Read and validate every file; return what could be loaded and all problems found."""
    today = today or dt.date.today()
    problems: list[Problem] = []
    categories = _categories(root, problems)
    entries: list[Entry] = []
    paths = sorted(p for d in _ENTRY_DIRS for p in (root / d).glob("*.yaml"))
    if not paths:
        problems.append(Problem(str(root), "entries", "no entry files found"))
    for path in paths:
        unreadable = len(problems)
        data = _read_yaml(path, problems)
        if len(problems) > unreadable:
            continue
        entry = _entry(path, data, problems, today, max_age_days)
        if entry is not None:
            entries.append(entry)
    _cross_checks(entries, categories, problems)
    return KnowledgeBase(tuple(entries), categories, _synonyms(root, problems)), problems


def load_base(root: Path = DEFAULT_DIR, *, max_age_days: int = 365) -> KnowledgeBase:
    """Load a base the desk can run on, or raise KnowledgeError naming each file and field."""
    base, problems = check_base(root, max_age_days=max_age_days)
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        raise KnowledgeError(errors)
    return base
