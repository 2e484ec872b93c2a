"""Reload without restart: every instance follows the base's version row and swaps its matcher.

Why a version row polled every few seconds, and not a file watch or LISTEN/NOTIFY:
the row lives where every instance already looks (the desk's database, SQLite or
PostgreSQL alike), it changes only when a curator means it to (`kb publish`, `kb
reload`, never halfway through an edit), and a poll costs one primary-key
read; an instance that was down simply finds a newer version when it comes back.

The new base is loaded, validated and indexed in a worker thread beside the old
one, then swapped in one step (no await between the two assignments): a message
is matched wholly by the old base or wholly by the new. A broken base is refused
with the validator's `file: field: problem` lines in the log and the old one
keeps serving; the same version is not tried again. A new matcher starts with an
empty decision cache.
"""

from __future__ import annotations

import asyncio
import logging

from prometheus_client import Gauge
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app.compose import build_matcher
from bot.app.config import Settings
from bot.curation.store import base_version
from bot.ops.metrics import Metrics, TimedMatcher
from handlers import Desk
from knowledge import KnowledgeError, Matcher

log = logging.getLogger(__name__)


class BaseReloader:
    """Owns the running desk's matcher: loads a new base when the version row moves."""

    def __init__(self, settings: Settings, engine: AsyncEngine, desk: Desk, metrics: Metrics) -> None:
        self.settings, self.engine, self.desk, self.metrics = settings, engine, desk, metrics
        self.version = 0  # of the base serving now
        self._tried = 0  # the last version looked at, loaded or refused
        self._lock = asyncio.Lock()  # one load at a time: a second look waits for the first's outcome
        r = metrics.registry
        self._version_gauge = Gauge("desk_kb_version", "Version of the knowledge base serving now", registry=r)
        self._entries_gauge = Gauge("desk_kb_entries", "Entries of the knowledge base serving now", registry=r)
        self._show(desk.matcher)

    def _show(self, matcher: Matcher) -> None:
        self._version_gauge.set(self.version)
        self._entries_gauge.set(len(matcher.base.entries))

    async def start(self) -> None:
        """The base loaded at start-up is the current version's."""
        async with self.engine.connect() as conn:
            self.version = self._tried = await base_version(conn)
        self._show(self.desk.matcher)

    async def check(self) -> bool:
        """Load the base if its version moved; True when a new one was swapped in."""
        async with self._lock:
            return await self._check()

    async def _check(self) -> bool:
        async with self.engine.connect() as conn:
            version = await base_version(conn)
        if version == self._tried:
            return False
        self._tried = version
        try:
            matcher = await asyncio.to_thread(build_matcher, self.settings)
        except KnowledgeError as exc:
            for problem in exc.problems:
                log.error("knowledge base version %d refused: %s", version, problem)
            log.error("knowledge base version %d refused: version %d keeps serving", version, self.version)
            return False
        self.desk.matcher, self.desk.base = TimedMatcher(matcher, self.metrics), matcher.base
        self.version = version
        self._show(matcher)
        log.info("knowledge base version %d loaded: %d entries", version, len(matcher.base.entries))
        return True

    async def follow(self, interval: float) -> None:
        """The periodic task of `serve`; an outage only delays the next look."""
        while True:
            await asyncio.sleep(interval)
            try:
                await self.check()
            except Exception as exc:
                log.warning("knowledge base version check failed: %r", exc)
