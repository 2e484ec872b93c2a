"""The console as an aiohttp sub-application, mounted at /console on the desk's own application
(`civic-desk serve`) or on an application of its own (`civic-desk console`)."""

from __future__ import annotations

from pathlib import Path

import aiohttp_jinja2
import jinja2
from aiohttp import web

from bot.console.deps import CONSOLE, PREFIX, Console
from bot.console.nav import NAV
from bot.console.pages import discover
from bot.console.security import security

HERE = Path(__file__).resolve().parent


def thousands(value: int | float) -> str:
    """12 345: a thin group separator reads the same in Kazakh and Russian."""
    return f"{value:,}".replace(",", "\u202f")


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
    return app


async def _to_console(request: web.Request) -> web.StreamResponse:
    raise web.HTTPFound(PREFIX + "/")


def mount(app: web.Application, console: Console) -> None:
    """The console at /console/ of `app` (and /console without the slash leads there)."""
    app.router.add_get(PREFIX, _to_console)
    app.add_subapp(PREFIX, console_app(console))
