"""`civic-desk console`: the console alone on DESK_CONSOLE_HOST:DESK_CONSOLE_PORT (e.g. an internal
address only), beside `serve` instances on the same database. It follows the base's version row like
an instance of the desk, so what it shows and what its matcher answers is the base serving now."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys

from aiohttp import web

from bot.app.compose import build_matcher, make_engine
from bot.app.config import Settings
from bot.app.serve import new_event_loop, preflight
from bot.app.web import SchemaOutOfDate, ensure_schema
from bot.console.app import mount_console
from bot.console.deps import PREFIX, Console
from bot.curation.reload import BaseReloader
from bot.db.models import utcnow
from bot.ops import logs
from bot.ops.metrics import Metrics
from handlers import Desk, Translator
from handlers.memory import MemoryDeskStore

log = logging.getLogger(__name__)


def console_only_app(settings: Settings) -> web.Application:
    engine = make_engine(settings)
    translator = Translator()
    desk = Desk(build_matcher(settings), MemoryDeskStore(), translator, default_lang=settings.default_lang)
    reloader = BaseReloader(settings, engine, desk, Metrics())
    app = web.Application()
    mount_console(app, Console(settings, engine, translator, lambda: desk.matcher, utcnow, reloader))

    async def home(request: web.Request) -> web.StreamResponse:
        raise web.HTTPFound(PREFIX + "/")

    app.router.add_get("/", home)

    async def lifecycle(app: web.Application):  # type: ignore[no-untyped-def]
        await ensure_schema(engine)
        await reloader.start()
        following = asyncio.create_task(reloader.follow(settings.kb_reload_seconds))
        yield
        following.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await following
        await engine.dispose()

    app.cleanup_ctx.append(lifecycle)
    return app


def run_console(settings: Settings) -> int:
    """Serve the console until stopped; 1 with the reason when the database is not ready."""
    try:
        asyncio.run(preflight(make_engine(settings)))
    except SchemaOutOfDate as exc:
        print(f"civic-desk console cannot start: {exc}", file=sys.stderr)
        return 1
    logs.configure(settings.log_format, settings.log_level)
    app = console_only_app(settings)

    def listening(_: str) -> None:
        log.info("civic-desk console on http://%s:%s%s/", settings.console_host, settings.console_port, PREFIX)

    web.run_app(app, host=settings.console_host, port=settings.console_port, print=listening, access_log=None,
                loop=new_event_loop())
    return 0
