"""Publishing a draft: validated with the rules of `kb check` against the whole base, then written.

The draft is checked as if it were in the knowledge folder already (a copy of
the folder with the entry added, or with the entry it revises replaced), so
duplicate phrasings, unknown categories and related ids are caught too;
problems name the file it would become.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import tempfile
from pathlib import Path
from typing import Any

import yaml

from knowledge import KnowledgeBase, Problem, check_base
from knowledge.loader import check_entry

ENTRY_ID = re.compile(r"[a-z0-9][a-z0-9.-]{0,100}")
ENTRY_DIRS = ("entries", "out_of_scope")


def entry_path(knowledge_dir: Path, entry_id: str) -> Path:
    """Where the entry's file is (an out-of-scope entry stays in its folder), or a new one would go."""
    for folder in ENTRY_DIRS:
        path = knowledge_dir / folder / f"{entry_id}.yaml"
        if path.exists():
            return path
    return knowledge_dir / "entries" / f"{entry_id}.yaml"


def file_digest(path: Path) -> str:
    """What an entry's file holds, in 64 characters: a revision is published only over the file it began from."""
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else ""


def read_entry(body: str, where: str) -> tuple[dict[str, Any] | None, list[Problem]]:
    """The draft's mapping, or the problem that keeps it from being one."""
    try:
        data = yaml.safe_load(body)
    except yaml.YAMLError as exc:
        return None, [Problem(where, "file", f"cannot be read as YAML ({exc.__class__.__name__}: {exc})")]
    if not isinstance(data, dict):
        return None, [Problem(where, "file", "must hold one entry (a mapping)")]
    if not ENTRY_ID.fullmatch(str(data.get("id", ""))):
        return None, [Problem(where, "id", "must be lower-case letters, digits, dots and dashes")]
    return data, []


def _place(knowledge_dir: Path, entry_id: str, revises: str, digest: str) -> tuple[Path, list[Problem]]:
    """The file the draft becomes, or why it may not: a new entry takes a free id; a revision keeps
    its entry's id and file, which must still be as it was when the draft began."""
    target = entry_path(knowledge_dir, entry_id)
    if not revises:
        if target.exists():
            return target, [Problem(str(target), "id", f"'{entry_id}' is already an entry of the base")]
        return target, []
    if entry_id != revises:
        return target, [Problem(str(target), "id", f"a revision of '{revises}' keeps its id")]
    if file_digest(target) != digest:
        return target, [Problem(str(target), "file", "changed since this draft began (published by someone "
                                "else): start a new revision from the entry as it is now")]
    return target, []


def _read_and_place(knowledge_dir: Path, body: str, revises: str,
                    digest: str) -> tuple[str, dict[str, Any] | None, Path, list[Problem]]:
    """The draft's id, mapping and file, or the problems that stop it before any rule is run."""
    data, problems = read_entry(body, "draft")
    if data is None:
        return "", None, knowledge_dir, problems
    entry_id = str(data["id"])
    target, refused = _place(knowledge_dir, entry_id, revises, digest)
    return entry_id, data, target, refused


def review_draft(knowledge_dir: Path, body: str, max_age_days: int, revises: str = "",
                 digest: str = "") -> tuple[str, list[Problem]]:
    """The entry id of the draft, every error the base would have with it in place, and the
    warnings of its own file (an answer past the soft length limit, a review date passed)."""
    entry_id, data, target, problems = _read_and_place(knowledge_dir, body, revises, digest)
    if data is None or problems:
        return entry_id, problems
    with tempfile.TemporaryDirectory() as scratch:
        copy = Path(scratch) / "kb"
        shutil.copytree(knowledge_dir, copy, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
        scratch_target = copy / target.relative_to(knowledge_dir)
        scratch_target.write_text(body, encoding="utf-8")
        _, found = check_base(copy, max_age_days=max_age_days)
    own = str(scratch_target)
    return entry_id, [Problem(p.file.replace(str(copy), str(knowledge_dir)), p.field, p.message, p.severity)
                      for p in found if p.severity == "error" or p.file == own]


def review_in_base(knowledge_dir: Path, body: str, base: KnowledgeBase, max_age_days: int, revises: str = "",
                   digest: str = "") -> tuple[str, list[Problem]]:
    """`review_draft` against the base already loaded from `knowledge_dir` (the serving one) rather than
    a fresh read of the folder: the same rules, for the editor's every view; publishing reads the folder."""
    entry_id, data, target, problems = _read_and_place(knowledge_dir, body, revises, digest)
    if data is None or problems:
        return entry_id, problems
    return entry_id, check_entry(target, data, base, max_age_days=max_age_days)


def check_draft(knowledge_dir: Path, body: str, max_age_days: int, revises: str = "",
                digest: str = "") -> tuple[str, list[Problem]]:
    """The entry id of the draft and every error the base would have with it in place."""
    entry_id, problems = review_draft(knowledge_dir, body, max_age_days, revises, digest)
    return entry_id, [p for p in problems if p.severity == "error"]


def write_entry(knowledge_dir: Path, entry_id: str, body: str) -> Path:
    """Write the entry file in one step (a half-written file is never seen by a reload)."""
    target = entry_path(knowledge_dir, entry_id)
    partial = target.with_suffix(".yaml.tmp")
    partial.write_text(body, encoding="utf-8")
    partial.replace(target)
    return target
