"""The console as an aiohttp sub-application, mounted at /console on the desk's own application
(`civic-desk serve`) or on an application of its own (`civic-desk console`)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp_jinja2
import jinja2
from aiohttp import web

from bot.console.deps import CONSOLE, PREFIX, Console
from bot.console.nav import NAV
from bot.console.pages import discover
from bot.console.period import period_of
from bot.console.security import security

HERE = Path(__file__).resolve().parent
log = logging.getLogger(__name__)


def thousands(value: int | float) -> str:
    """12 345: a thin group separator reads the same in Kazakh and Russian."""
    return f"{value:,}".replace(",", "\u202f")


async def read_ahead(app: web.Application) -> AsyncIterator[None]:
    """Count the default period's closed hours at start-up, so the first dashboard is as quick as the next."""
    console = app[CONSOLE]

    async def count() -> None:
        try:
            await console.hourly.groups(period_of({}, console.settings.timezone, console.clock()))
        except Exception as exc:  # the dashboard reads them itself then
            log.warning("console: the dashboard's counts were not read ahead: %s", exc.__class__.__name__)

    task = asyncio.create_task(count())
    yield
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


def console_app(console: Console) -> web.Application:
    app = web.Application(middlewares=[security])
    app[CONSOLE] = console
    env = aiohttp_jinja2.setup(app, loader=jinja2.FileSystemLoader(HERE / "templates"), autoescape=True,
                               undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters["thousands"] = thousands
    app.router.add_static("/static/", HERE / "static", name="static")
    nav = []
    for module in discover():
        app.router.add_routes(module.routes)
        if hasattr(module, "NAV"):
            nav.append(module.NAV)
    app[NAV] = sorted(nav, key=lambda item: item.order)
    app.cleanup_ctx.append(read_ahead)
    return app


async def _to_console(request: web.Request) -> web.StreamResponse:
    raise web.HTTPFound(PREFIX + "/")


def mount_console(app: web.Application, console: Console) -> None:
    """The console at /console/ of `app` (and /console without the slash leads there)."""
    app.router.add_get(PREFIX, _to_console)
    app.add_subapp(PREFIX, console_app(console))
