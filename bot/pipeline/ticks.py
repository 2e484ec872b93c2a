"""The loop of a background worker: a pass now, then another when woken or after `poll` seconds."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

log = logging.getLogger(__name__)


async def passes(step: Callable[[], Awaitable[object]], wake: asyncio.Event, poll: float, what: str,
                 running: Callable[[], bool] = lambda: True) -> None:
    """Run `step` while `running()`; an outage only delays the next pass."""
    while running():
        wake.clear()
        try:
            await step()
        except Exception as exc:  # the database is away: try again on the next tick
            log.warning("%s pass failed: %r", what, exc)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(wake.wait(), poll)
