"""The calendar the running desk uses, read again when its file changes (checked each tick).

A curator's edit reaches the subscription screens and the sender within a tick,
without a restart. An edit that does not validate is logged and ignored: the
last good calendar stays in use (`kb check` names the problem).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from pathlib import Path

from knowledge import KnowledgeError, Problem
from knowledge.calendar import Calendar
from knowledge.calendar_file import FILE, load_calendar
from knowledge.regions import Regions

log = logging.getLogger(__name__)


class CalendarSource:
    def __init__(self, root: Path, regions: Regions, entry_ids: Callable[[], Iterable[str]]) -> None:
        self.path = root / FILE
        self.root, self.regions, self.entry_ids = root, regions, entry_ids
        self._calendar = Calendar()
        self._stamp: float | None = None
        problems = self._load()
        if problems:
            raise KnowledgeError(problems)

    def __call__(self) -> Calendar:
        return self._calendar

    def refresh(self) -> None:
        """Read the file again if it changed since the last read."""
        if self._mtime() == self._stamp:
            return
        problems = self._load()
        for problem in problems:
            log.warning("calendar not reloaded: %s", problem)

    def _mtime(self) -> float | None:
        return self.path.stat().st_mtime if self.path.exists() else None

    def _load(self) -> list[Problem]:
        stamp = self._mtime()
        calendar, problems = load_calendar(self.root, self.regions, self.entry_ids())
        errors = [p for p in problems if p.severity == "error"]
        if not errors:
            self._calendar, self._stamp = calendar, stamp
        return errors
