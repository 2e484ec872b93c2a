"""Long database work of the console (the report, the gaps) away from the serving event loop.

The process that renders the console also answers the webhooks; a report over a busy
week reads and clusters for seconds. Such work runs in a worker thread with its own
event loop and its own short-lived engine (connections belong to one loop), so the
serving loop only waits for the result.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app.config import Settings

T = TypeVar("T")


async def on_own_engine(settings: Settings, work: Callable[[AsyncEngine], Awaitable[T]]) -> T:
    from bot.app.compose import make_engine

    async def run() -> T:
        engine = make_engine(settings)
        try:
            return await work(engine)
        finally:
            await engine.dispose()

    return await asyncio.to_thread(asyncio.run, run())
