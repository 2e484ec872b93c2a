"""The aiohttp application behind `civic-desk serve`: webhooks and health checks.

Channels mount themselves with `setup(app, services)` when configured; the
application refuses to start on an out-of-date schema.
"""

from __future__ import annotations

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.channels import telegram, whatsapp
from bot.config import Settings
from bot.db import schema
from bot.db.store import SqlDeskStore
from bot.inbox import Inbox
from bot.services import Services
from handlers import Desk, Translator
from knowledge import Matcher

SERVICES = web.AppKey("services", Services)


class SchemaOutOfDate(RuntimeError):
    """The database needs `civic-desk db upgrade` before the desk may serve."""


async def healthz(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


async def ensure_schema(engine: AsyncEngine) -> None:
    current, head = await schema.current_revision(engine), schema.head_revision()
    if current != head:
        raise SchemaOutOfDate(f"the database schema is at {current or 'nothing'}, the desk needs {head}: "
                              "run `civic-desk db upgrade` first")


def create_app(settings: Settings, engine: AsyncEngine, matcher: Matcher, *,
               polling: bool = False) -> web.Application:
    """The application with every configured channel mounted."""
    desk = Desk(matcher, SqlDeskStore(engine), Translator(), default_lang=settings.default_lang)
    services = Services(settings, engine, desk, Inbox(engine))
    app = web.Application(client_max_size=4 * 1024 * 1024)
    app[SERVICES] = services
    app.router.add_get("/healthz", healthz)
    if polling or settings.telegram_token.get_secret_value():
        telegram.setup(app, services, polling=polling)
    if settings.whatsapp_token.get_secret_value() and settings.whatsapp_phone_number_id:
        whatsapp.setup(app, services)

    async def lifecycle(app: web.Application):  # type: ignore[no-untyped-def]
        await ensure_schema(engine)
        await services.inbox.recover()
        yield
        await services.inbox.drain()

    app.cleanup_ctx.append(lifecycle)
    return app


def run_service(settings: Settings, *, polling: bool = False) -> int:
    """`civic-desk serve`: the webhook application on DESK_HOST:DESK_PORT."""
    from bot.compose import build_matcher, make_engine

    engine = make_engine(settings)
    app = create_app(settings, engine, build_matcher(settings), polling=polling)
    try:
        web.run_app(app, host=settings.host, port=settings.port, print=None)
    except SchemaOutOfDate as exc:
        print(f"civic-desk cannot start: {exc}")
        return 1
    return 0
