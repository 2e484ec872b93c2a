"""Publishing a draft: validated with the rules of `kb check` against the whole base, then written.

The draft is checked as if it were in the knowledge folder already (a copy of
the folder with the entry added), so duplicate phrasings, unknown categories and
related ids are caught too; problems name the file it would become.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from pathlib import Path
from typing import Any

import yaml

from knowledge import Problem, check_base

ENTRY_ID = re.compile(r"[a-z0-9][a-z0-9.-]{0,100}")


def entry_path(knowledge_dir: Path, entry_id: str) -> Path:
    return knowledge_dir / "entries" / f"{entry_id}.yaml"


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


def check_draft(knowledge_dir: Path, body: str, max_age_days: int) -> tuple[str, list[Problem]]:
    """The entry id of the draft and every error the base would have with it added."""
    data, problems = read_entry(body, "draft")
    if data is None:
        return "", problems
    entry_id = str(data["id"])
    target = entry_path(knowledge_dir, entry_id)
    if target.exists():
        return entry_id, [Problem(str(target), "id", f"'{entry_id}' is already an entry of the base")]
    with tempfile.TemporaryDirectory() as scratch:
        copy = Path(scratch) / "kb"
        shutil.copytree(knowledge_dir, copy, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
        entry_path(copy, entry_id).write_text(body, encoding="utf-8")
        _, found = check_base(copy, max_age_days=max_age_days)
    errors = [Problem(p.file.replace(str(copy), str(knowledge_dir)), p.field, p.message)
              for p in found if p.severity == "error"]
    return entry_id, errors


def write_entry(knowledge_dir: Path, entry_id: str, body: str) -> Path:
    """Write the entry file in one step (a half-written file is never seen by a reload)."""
    target = entry_path(knowledge_dir, entry_id)
    partial = target.with_suffix(".yaml.tmp")
    partial.write_text(body, encoding="utf-8")
    partial.replace(target)
    return target
