"""Load the knowledge base from files and validate it.

A curator edits YAML files, so every problem is reported as `file: field:
problem`, all at once, and a broken base never starts the desk.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml

from knowledge import mci
from knowledge.collector import Collector, KnowledgeError, Problem
from knowledge.model import LANGS, Action, Category, Entry, KnowledgeBase, Lang, Source
from knowledge.text import normalise

DEFAULT_DIR = Path(__file__).resolve().parent
MIN_QUESTIONS = 6
ANSWER_SOFT_LIMIT = 900  # what a messenger reader takes in at a glance
ANSWER_HARD_LIMIT = 1024  # WhatsApp's interactive body limit; the answer must fit one message
_ENTRY_DIRS = ("entries", "out_of_scope")
DEFAULT_OWNER = "curator"
_ANY_YEAR, DEAREST_MCI = 2000, 99_999  # an answer's length is measured with the longest tenge amounts


def _read_yaml(path: Path, problems: list[Problem]) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        problems.append(Problem(str(path), "file", f"cannot be read as YAML ({exc.__class__.__name__}: {exc})"))
        return None


def _sources(c: Collector, data: dict[str, Any], required: bool) -> tuple[Source, ...]:
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


def _date(c: Collector, data: dict[str, Any], field: str) -> dt.date | None:
    value = data.get(field)
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value)
        except ValueError:
            value = None
    if not isinstance(value, dt.date):
        c.error(field, "missing or not a date (YYYY-MM-DD)")
        return None
    return value


def _checked(c: Collector, data: dict[str, Any], today: dt.date, max_age_days: int) -> dt.date:
    value = _date(c, data, "checked")
    if value is None:
        return dt.date.min
    if value > today:
        c.error("checked", f"{value} is in the future")
    elif (today - value).days > max_age_days:
        c.warn("checked", f"{value} is older than {max_age_days} days: due for review")
    return value


def _review(c: Collector, data: dict[str, Any], action: Action, checked: dt.date,
            today: dt.date) -> tuple[dt.date, str]:
    """`review_by` and `owner`: required of what the desk answers; a decline may leave them out."""
    optional = action is Action.DECLINE
    owner = str(data.get("owner") or "").strip() or (DEFAULT_OWNER if optional else c.text(data, "owner"))
    if optional and "review_by" not in data:
        return _a_year_after(checked), owner
    review_by = _date(c, data, "review_by")
    if review_by is None:
        return dt.date.min, owner
    if review_by < checked:
        c.error("review_by", f"{review_by} is before the check on {checked}")
    elif review_by < today:
        c.warn("review_by", f"overdue since {review_by}")
    return review_by, owner


def _a_year_after(day: dt.date) -> dt.date:
    if day == dt.date.min:
        return day
    return day.replace(year=day.year + 1, day=28 if (day.month, day.day) == (2, 29) else day.day)


def answer_length(text: str, lang: Lang) -> int:
    """An answer's length as a messenger shows it: MCI amounts written out with the longest tenge figures."""
    return len(mci.render(text.strip(), lang, _ANY_YEAR, {_ANY_YEAR: DEAREST_MCI}))


def mci_sample(lang: Lang) -> str:
    """How one `{{mci:N}}` is counted by `answer_length` ({mci} and {tenge} to fill): the editor's counter."""
    return mci.render("{{mci:1}}", lang, _ANY_YEAR, {_ANY_YEAR: DEAREST_MCI}).replace(
        mci.group_thousands(DEAREST_MCI), "{tenge}").replace("1", "{mci}", 1)


def _answer(c: Collector, data: dict[str, Any]) -> dict[str, str]:
    """Both answers, within the length limits, with well-formed MCI tokens only."""
    answer = c.per_lang_text(data, "answer")
    for lang, text in answer.items():
        size = answer_length(text, lang)  # type: ignore[arg-type]
        if size > ANSWER_HARD_LIMIT:
            c.error(f"answer.{lang}", f"{size} characters, the limit is {ANSWER_HARD_LIMIT}")
        elif size > ANSWER_SOFT_LIMIT:
            c.warn(f"answer.{lang}", f"{size} characters, aim for at most {ANSWER_SOFT_LIMIT}")
        for token in mci.malformed_tokens(text):
            c.error(f"answer.{lang}", f"'{token}' is not an MCI amount: write {{{{mci:N}}}}, N a whole number")
    return answer


def _entry(path: Path, data: Any, problems: list[Problem], today: dt.date, max_age: int) -> Entry | None:
    c = Collector(str(path), problems)
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
    answer = _answer(c, data)
    link = str(data.get("link") or "").strip()
    if link and not link.startswith(("https://", "http://")):
        c.error("link", "not a web address")
    if action is Action.DECLINE and not link:
        c.error("link", "a declined topic needs the official page it sends people to")
    related = data.get("related") or []
    if not isinstance(related, list):
        c.error("related", "must be a list of entry ids")
        related = []
    checked = _checked(c, data, today, max_age)
    review_by, owner = _review(c, data, action, checked, today)
    entry = Entry(
        id=entry_id,
        category=c.text(data, "category"),
        action=action,
        title=c.per_lang_text(data, "title"),
        questions=c.per_lang_list(data, "questions", MIN_QUESTIONS),
        keywords=c.per_lang_list(data, "keywords", 0),
        answer=answer,
        checked=checked,
        review_by=review_by,
        owner=owner,
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
        c = Collector(str(path), problems)
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


def _mci_table(root: Path, problems: list[Problem], today: dt.date) -> dict[int, int]:
    """The MCI table; a missing current year is a warning (answers then show MCI without tenge)."""
    path = root / "mci.yaml"
    data = _read_yaml(path, problems) if path.exists() else {}
    table, findings = mci.parse_table(data if data is not None else {})
    problems.extend(Problem(str(path), "year", message) for message in findings)
    if today.year not in table:
        problems.append(Problem(str(path), str(today.year), "no MCI value for the current year: answers show "
                                "amounts in MCI without tenge", "warning"))
    return table


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
    table = _mci_table(root, problems, today)
    return KnowledgeBase(tuple(entries), categories, _synonyms(root, problems), table), problems


def check_entry(path: Path, data: Any, base: KnowledgeBase, *, max_age_days: int = 365,
                today: dt.date | None = None) -> list[Problem]:
    """One entry file's problems, as `check_base` finds them with the file in `base`'s folder
    (replacing the entry at the same path): the editor's view of a draft without reading the
    whole folder again. `base` must be valid (it is the one serving)."""
    problems: list[Problem] = []
    entry = _entry(path, data, problems, today or dt.date.today(), max_age_days)
    entries = [e for e in base.entries if e.path != str(path)] + ([entry] if entry is not None else [])
    _cross_checks(sorted(entries, key=lambda e: e.path), base.categories, problems)
    return problems


def load_base(root: Path = DEFAULT_DIR, *, max_age_days: int = 365) -> KnowledgeBase:
    """Load a base the desk can run on, or raise KnowledgeError naming each file and field."""
    base, problems = check_base(root, max_age_days=max_age_days)
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        raise KnowledgeError(errors)
    return base
