"""The aiohttp application behind `civic-desk serve`: webhooks, health, readiness and metrics.

It assembles routes and the lifecycle from the parts the composition root built
(`bot.app.compose.shell`); the application refuses to start on an out-of-date
schema or an unreachable database. Running it (workers, ports, the loop) is `bot.app.serve`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Coroutine
from typing import Any

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app.compose.shell import Shell, build_shell
from bot.app.compose.team import remind_forever
from bot.app.config import Settings
from bot.console.app import mount_console
from bot.db import schema
from bot.db.models import utcnow
from bot.ops import metrics_access
from bot.ops.health import RECEIVING, readyz_handler
from bot.ops.ticket_metrics import TicketMetrics
from bot.pipeline.outage import database_outage
from handlers.ports import Clock
from knowledge import Matcher

SHELL = web.AppKey("shell", Shell)
log = logging.getLogger(__name__)


class SchemaOutOfDate(RuntimeError):
    """The database needs `civic-desk db upgrade` before the desk may serve."""


async def healthz(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


async def ensure_schema(engine: AsyncEngine) -> None:
    problem = await schema.out_of_date(engine)
    if problem:
        raise SchemaOutOfDate(problem)


def create_app(settings: Settings, engine: AsyncEngine, matcher: Matcher, *,
               polling: bool = False, force: bool = False, clock: Clock = utcnow) -> web.Application:
    """The application with every configured channel mounted (`clock`: tests keep the time;
    `force`: polling removes a registered webhook)."""
    return assemble(build_shell(settings, engine, matcher, polling=polling, clock=clock), polling=polling, force=force)


def assemble(shell: Shell, *, polling: bool = False, force: bool = False) -> web.Application:
    """Routes, channels and the lifecycle of a built shell."""
    settings, engine, metrics = shell.settings, shell.engine, shell.metrics
    metrics.on_scrape(shell.inbox.refresh_depth)
    TicketMetrics(metrics, engine)
    app = web.Application(client_max_size=4 * 1024 * 1024, middlewares=[database_outage])
    app[SHELL] = shell
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz_handler(engine, shell.redis,
                                                 [group.readiness_problem for group in shell.groups.values()]))
    metrics_access.mount(app, settings, metrics.render)
    mount_console(app, shell.console)
    if shell.telegram is not None:
        shell.telegram.mount(app, shell.inbox, settings, polling=polling, force=force)
    if shell.whatsapp is not None:
        shell.whatsapp.mount(app, shell.inbox)
    app[RECEIVING] = [channel.name for channel in shell.channels]
    app.cleanup_ctx.append(lambda app: lifecycle(shell))
    return app


async def lifecycle(shell: Shell) -> AsyncIterator[None]:
    """Start: the schema checked, stored work resumed, the loops running. Stop: the loops, then the
    inbox drained and the senders stopped (bounded by DESK_SHUTDOWN_TIMEOUT)."""
    settings, inbox = shell.settings, shell.inbox
    await ensure_schema(shell.engine)
    await shell.outbound.recover()  # this instance's own unsent messages from before a restart: due at once
    if shell.reminders is not None:
        await shell.reminders.queue.outbound.recover()
    recovered = await inbox.recover()
    if recovered:
        log.info("%d stored deliveries resumed", recovered)
    shell.outbox.start()  # posts for the consultants left pending by the last run go out now
    shell.outbound.start()  # so do the messages to chats (answers, consultants' replies)
    if shell.reminders is not None:  # and reminders, by the instance holding their lease
        shell.reminders.start()
    await shell.reloader.start()
    loops: list[Coroutine[Any, Any, None]] = [inbox.sweep_forever(settings.inbox_sweep_seconds),
                                              shell.reloader.follow(settings.kb_reload_seconds)]
    if shell.team is not None:
        loops.append(remind_forever(shell.team))
    if shell.digest is not None:
        loops.append(shell.digest.forever())
    tasks = [asyncio.create_task(loop) for loop in loops]
    yield
    for task in tasks:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    if shell.reminders is not None:
        await shell.reminders.stop()
    handed_back = await inbox.drain(settings.shutdown_timeout)
    if handed_back:
        log.warning("stopped with %d deliveries unfinished: they stay pending for the next start", handed_back)
    await shell.outbox.stop(settings.shutdown_timeout)
    await shell.outbound.stop(settings.shutdown_timeout)
    if shell.redis is not None:
        await shell.redis.aclose()
