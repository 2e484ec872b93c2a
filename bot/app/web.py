"""The aiohttp application behind `civic-desk serve`: webhooks, health, readiness and metrics.

Channels mount themselves with `setup(app, services)` when configured; the
application refuses to start on an out-of-date schema or an unreachable database.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import gc
import logging
import multiprocessing
import multiprocessing.connection
import os
import signal
import socket
import sys

from aiohttp import web
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.analytics.digest import Digest
from bot.app.compose import build_directory
from bot.app.config import Settings, load_settings
from bot.app.consultants import build_team, consultants_groups, remind_forever
from bot.app.services import Services
from bot.channels import telegram, whatsapp
from bot.channels.telegram.centre_groups import CentreChats
from bot.console.app import Console, mount_console
from bot.curation.reload import BaseReloader
from bot.curation.store import SqlDraftStore, SqlTranscript
from bot.db import schema
from bot.db.models import utcnow
from bot.db.store import SqlDeskStore
from bot.ops import logs, metrics_access
from bot.ops.failures import FAILURES, database_failure
from bot.ops.health import RECEIVING, readyz_handler
from bot.ops.masking import mask
from bot.ops.metrics import Metrics, TimedMatcher
from bot.ops.ticket_metrics import TicketMetrics
from bot.pipeline.inbox import Inbox, instance_name
from bot.pipeline.outage import database_outage
from bot.pipeline.outbound import Outbound
from bot.pipeline.outbox import Outbox
from bot.pipeline.ratelimit import build_limiter
from handlers import Desk, Translator
from handlers.curation import Curation
from handlers.ports import Clock
from knowledge import Matcher

SERVICES = web.AppKey("services", Services)
YOUNG_OBJECTS = 20_000  # allocations between two collections of the young generation (CPython: 700)
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
    metrics = Metrics()
    redis = Redis.from_url(settings.redis_url) if settings.redis_url else None
    limiter = build_limiter(settings.rate_limit_per_minute, redis, metrics)
    translator = Translator()
    outbox = Outbox(engine, clock, max_attempts=settings.outbox_max_attempts)
    centres = build_directory(settings)
    groups = consultants_groups(settings, engine, metrics, clock, centres)
    team = build_team(settings, engine, outbox, translator, clock, centres, groups)
    desk = Desk(TimedMatcher(matcher, metrics), SqlDeskStore(engine), translator,
                default_lang=settings.default_lang, limiter=limiter, team=team, clock=clock, centres=centres)
    inbox = Inbox(engine, metrics, lease=settings.inbox_lease_seconds, max_in_flight=settings.inbox_max_in_flight,
                  owner=instance_name(settings.instance_id, settings.port))
    outbound = Outbound(engine, deadline=settings.delivery_deadline_hours * 3600,
                        max_delay=settings.delivery_max_backoff_seconds, clock=clock, metrics=metrics)
    reloader = BaseReloader(settings, engine, desk, metrics)
    if team is not None:
        team.curation = Curation(SqlDraftStore(engine), SqlTranscript(engine), lambda: desk.matcher, mask)
    services = Services(settings, engine, desk, inbox, metrics=metrics, redis=redis, outbox=outbox,
                        consultants=CentreChats(groups, centres.group) if groups else None, reloader=reloader,
                        outbound=outbound)
    metrics.on_scrape(inbox.refresh_depth)
    TicketMetrics(metrics, engine)
    app = web.Application(client_max_size=4 * 1024 * 1024, middlewares=[database_outage])
    app[SERVICES] = services
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz_handler(engine, redis, [g.readiness_problem for g in groups.values()]))
    metrics_access.mount(app, settings, metrics.render)
    mount_console(app, Console(settings, engine, translator, lambda: desk.matcher, clock, reloader))
    app[RECEIVING] = []
    if polling or settings.telegram_token.get_secret_value():
        telegram.setup(app, services, polling=polling, force=force)
        app[RECEIVING].append("telegram")
    if settings.whatsapp_token.get_secret_value() and settings.whatsapp_phone_number_id:
        whatsapp.setup(app, services)
        app[RECEIVING].append("whatsapp")

    async def lifecycle(app: web.Application):  # type: ignore[no-untyped-def]
        await ensure_schema(engine)
        recovered = await services.inbox.recover()
        if recovered:
            log.info("%d stored deliveries resumed", recovered)
        sweeper = asyncio.create_task(inbox.sweep_forever(settings.inbox_sweep_seconds))
        outbox.start()  # relayed messages left pending by the last run go out now
        outbound.start()  # so do desk messages kept for a later try
        reminder = asyncio.create_task(remind_forever(team)) if team is not None else None
        await reloader.start()
        following = asyncio.create_task(reloader.follow(settings.kb_reload_seconds))
        digest = weekly_digest(services)
        digesting = asyncio.create_task(digest.forever()) if digest is not None else None
        yield
        for task in (sweeper, reminder, following, digesting):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        handed_back = await services.inbox.drain(settings.shutdown_timeout)
        if handed_back:
            log.warning("stopped with %d deliveries unfinished: they stay pending for the next start",
                        handed_back)
        await outbox.stop(settings.shutdown_timeout)
        await outbound.stop(settings.shutdown_timeout)
        if redis is not None:
            await redis.aclose()

    app.cleanup_ctx.append(lifecycle)
    return app


def weekly_digest(services: Services) -> Digest | None:
    """The digest of the consultants' group when DESK_DIGEST_DAY is set and a channel runs the group."""
    if not services.settings.digest_day or services.post_to_consultants is None:
        return None
    desk = services.desk
    return Digest(services.settings, services.engine, lambda: desk.matcher, services.post_to_consultants,
                  desk.translator)


def run_workers(settings: Settings, workers: int) -> int:
    """`civic-desk serve --workers N`: N processes, each a full instance, on one port.

    Each worker binds DESK_HOST:DESK_PORT with SO_REUSEPORT, so the kernel spreads the
    connections between them; they share the database as separate instances would
    (the inbox stores each delivery once, claims it once and keeps each chat's order).
    SIGTERM (or Ctrl-C) reaches every worker, which stops gracefully. A worker that
    exits on its own stops the others, and the exit status is the first non-zero one
    (a supervisor such as systemd restarts the service).
    """
    from bot.app.compose import make_engine

    code = _preflight_or_exit(settings, make_engine(settings))
    if code:
        return code
    context = multiprocessing.get_context("spawn")  # a fresh interpreter: no loop or pool inherited
    processes = [context.Process(target=_worker, args=(n,), name=f"civic-desk-worker-{n}") for n in range(workers)]
    stopping = False

    def stop(signum: int, frame: object) -> None:
        nonlocal stopping
        stopping = True
        if signum == signal.SIGTERM:  # Ctrl-C's SIGINT already reached the whole process group
            for process in processes:
                if process.pid is not None and process.exitcode is None:
                    os.kill(process.pid, signal.SIGTERM)

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        for process in processes:
            process.start()
        log.info("civic-desk serving on %s:%s with %d workers", settings.host, settings.port, workers)
        code = 0
        running = list(processes)
        while running:
            multiprocessing.connection.wait([p.sentinel for p in running])
            for process in [p for p in running if p.exitcode is not None]:
                running.remove(process)
                if process.exitcode and not code:
                    code = process.exitcode if process.exitcode > 0 else 1
                if not stopping:  # a worker died or refused to start: stop the rest
                    stop(signal.SIGTERM, None)
        return code
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _worker(number: int) -> None:
    """One worker of `serve --workers N` (a spawned process: settings come from the environment)."""
    from bot.channels.telegram import TelegramSetupError

    settings = load_settings()
    settings = settings.model_copy(update={"instance_id": instance_name(settings.instance_id, settings.port, number)})
    try:
        code = run_service(settings, reuse_port=True)
    except TelegramSetupError as exc:
        print(f"civic-desk cannot start: {exc}", file=sys.stderr)
        code = 1
    sys.exit(code)


def _preflight_or_exit(settings: Settings, engine: AsyncEngine) -> int:
    """0 when the database answers at the current schema, else 1 with the reason on stderr."""
    try:
        asyncio.run(preflight(engine))
    except SchemaOutOfDate as exc:
        print(f"civic-desk cannot start: {exc}", file=sys.stderr)
        return 1
    except FAILURES as exc:
        print(f"civic-desk cannot start: {database_failure(settings.database_url, exc)}", file=sys.stderr)
        return 1
    return 0


def _port_taken(host: str, port: int) -> bool:
    """Whether another program listens on the port: asked before anything starts, because a
    failed bind inside aiohttp's start-up leaves the database's cleanup waiting on PostgreSQL."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            return exc.errno == errno.EADDRINUSE
    return False


def _port_in_use(settings: Settings) -> int:
    print(f"civic-desk cannot start: {settings.host}:{settings.port} is already in use (another desk or "
          "program listens there): stop it or choose another DESK_PORT", file=sys.stderr)
    return 1


def run_service(settings: Settings, *, polling: bool = False, force: bool = False,
                reuse_port: bool = False) -> int:
    """`civic-desk serve`: the webhook application on DESK_HOST:DESK_PORT until SIGTERM or Ctrl-C.

    On SIGTERM aiohttp stops listening, lets the requests in progress finish, and
    the inbox then drains its work (bounded by DESK_SHUTDOWN_TIMEOUT). `reuse_port`:
    one of several workers sharing the port (SO_REUSEPORT).
    """
    from bot.app.compose import build_matcher, make_engine

    if not reuse_port and _port_taken(settings.host, settings.port):
        return _port_in_use(settings)
    engine = make_engine(settings)
    app = create_app(settings, engine, build_matcher(settings), polling=polling, force=force)  # checks channels
    logs.configure(settings.log_format, settings.log_level)
    code = _preflight_or_exit(settings, engine)
    if code:
        return code
    settle_heap()
    def listening(_: str) -> None:  # aiohttp calls it once every socket listens
        log.info("civic-desk serving on %s:%s (%s)", settings.host, settings.port,
                 ", ".join(app[RECEIVING]) or "no channel")

    try:
        web.run_app(app, host=settings.host, port=settings.port, print=listening, reuse_port=reuse_port or None,
                    shutdown_timeout=settings.shutdown_timeout, access_log=None, loop=new_event_loop())
    except SchemaOutOfDate as exc:  # upgraded backwards between the check and the start
        print(f"civic-desk cannot start: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        if exc.errno != errno.EADDRINUSE:
            raise
        return _port_in_use(settings)
    log.info("civic-desk stopped")
    return 0


def new_event_loop() -> asyncio.AbstractEventLoop:
    """uvloop's event loop where it is installed (Linux and macOS), else asyncio's own.

    The desk's work per update is mostly socket I/O on loopback or the LAN (the
    webhook, the platform APIs, the database); uvloop does that part in C, for less CPU
    per update (benchmarks/README.md).
    """
    try:
        import uvloop
    except ImportError:
        return asyncio.new_event_loop()
    return uvloop.new_event_loop()


def settle_heap() -> None:
    """Exempt what start-up built (the knowledge index, catalogs, models) from garbage
    collection, and collect the young generation less often.

    Every update allocates hundreds of objects (aiogram and pydantic models, rows,
    requests), so the default threshold (700) ran a collection every few updates and
    promoted the objects of the updates then in flight; full collections walked the
    whole knowledge index again (the figures are in benchmarks/README.md). Garbage is
    still collected, in fewer passes.
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(YOUNG_OBJECTS, *gc.get_threshold()[1:])


async def preflight(engine: AsyncEngine) -> None:
    """Check the database before anything listens; its connections close with this loop."""
    try:
        await ensure_schema(engine)
    finally:
        await engine.dispose()
