"""What an edit changed in an entry, in one line for the audit trail: field by field, sizes not texts.

The line is what a reviewer scans in an entry's history ("answer.kk 412 -> 498
characters; questions.ru +2 -1"); the texts themselves stay in the drafts and
the knowledge folder, so the trail never copies a user's words a draft quoted.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from knowledge.model import LANGS

SHOWN_VALUES = ("id", "category", "action", "owner", "checked", "review_by", "link")
NOTHING = "no change"


def _as_list(value: object) -> list[str]:
    return [str(v) for v in value] if isinstance(value, list) else []


def _per_lang(data: Mapping[str, Any], name: str) -> dict[str, Any]:
    value = data.get(name)
    return value if isinstance(value, dict) else {}


def _count_change(name: str, old: list[str], new: list[str]) -> str:
    added = len([item for item in new if item not in old])
    removed = len([item for item in old if item not in new])
    if not added and not removed:
        return f"{name} reordered" if old != new else ""
    return f"{name} +{added} -{removed}"


def _text_change(name: str, old: str, new: str) -> str:
    if old == new:
        return ""
    if not old:
        return f"{name} written ({len(new)} characters)"
    if not new:
        return f"{name} emptied"
    return f"{name} {len(old)} -> {len(new)} characters"


def summarise(old: Mapping[str, Any], new: Mapping[str, Any]) -> str:
    """The changes from `old` to `new` (entry mappings), or "no change"."""
    parts = []
    for name in SHOWN_VALUES:
        before, after = str(old.get(name) or ""), str(new.get(name) or "")
        if before != after:
            parts.append(f"{name} {before or '-'} -> {after or '-'}")
    for lang in LANGS:
        for name in ("title", "answer"):
            parts.append(_text_change(f"{name}.{lang}", str(_per_lang(old, name).get(lang) or ""),
                                      str(_per_lang(new, name).get(lang) or "")))
        for name in ("questions", "keywords"):
            parts.append(_count_change(f"{name}.{lang}", _as_list(_per_lang(old, name).get(lang)),
                                       _as_list(_per_lang(new, name).get(lang))))
    sources = [[str(s) for s in value] if isinstance(value, list) else [] for value in
               (old.get("sources"), new.get("sources"))]
    parts.append(_count_change("sources", *sources))
    parts.append(_count_change("related", _as_list(old.get("related")), _as_list(new.get("related"))))
    return "; ".join(p for p in parts if p) or NOTHING
