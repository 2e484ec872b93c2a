"""Who may read /metrics: the counters tell how busy the desk is and how it fails, not for the world.

By default /metrics answers on DESK_PORT to loopback clients only. DESK_METRICS_TOKEN
opens it to a scraper that sends `Authorization: Bearer <token>`; DESK_METRICS_PORT
moves it to its own listener on DESK_METRICS_HOST (loopback unless set), off the
port nginx forwards to.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Awaitable, Callable

from aiohttp import web
from aiohttp.typedefs import Handler

from bot.app.config import Settings
from bot.ops.metrics import CONTENT_TYPE

Render = Callable[[], Awaitable[bytes]]

LOOPBACK = frozenset({"127.0.0.1", "::1"})
log = logging.getLogger(__name__)


def guarded(settings: Settings, render: Render, *, own_listener: bool) -> Handler:
    """The metrics page behind the token when one is set, else behind loopback (not on its own listener)."""
    token = settings.metrics_token.get_secret_value()

    async def metrics(request: web.Request) -> web.StreamResponse:
        if token:
            given = request.headers.get("Authorization", "")
            if not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
                return web.json_response({"error": "send Authorization: Bearer <DESK_METRICS_TOKEN>"}, status=401)
        elif not own_listener and request.remote not in LOOPBACK:
            return web.json_response({"error": "metrics are served to loopback only: set DESK_METRICS_TOKEN "
                                               "or DESK_METRICS_PORT"}, status=403)
        return web.Response(body=await render(), headers={"Content-Type": CONTENT_TYPE})

    return metrics


def mount(app: web.Application, settings: Settings, render: Render) -> None:
    """/metrics on the application, or on its own listener started and stopped with it."""
    if not settings.metrics_port:
        app.router.add_get("/metrics", guarded(settings, render, own_listener=False))
        return
    own = web.Application()
    own.router.add_get("/metrics", guarded(settings, render, own_listener=True))
    runner = web.AppRunner(own, access_log=None)

    async def start(_: web.Application) -> None:
        await runner.setup()
        await web.TCPSite(runner, settings.metrics_host, settings.metrics_port).start()
        log.info("metrics on http://%s:%s/metrics", settings.metrics_host, settings.metrics_port)

    async def stop(_: web.Application) -> None:
        await runner.cleanup()

    app.on_startup.append(start)
    app.on_cleanup.append(stop)
