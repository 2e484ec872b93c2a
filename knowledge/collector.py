"""Findings of the validator, gathered per file while its fields are read.

A curator edits YAML files, so every problem names its file and field, and all
are reported at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from knowledge.model import LANGS


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


class Collector:
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
