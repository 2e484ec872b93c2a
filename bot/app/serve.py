"""`civic-desk serve`: the application on DESK_HOST:DESK_PORT, in one process or N workers.

Checks before anything listens (the port, the schema, the database), the event loop,
the heap settled after start-up, and the workers sharing one port.
"""

from __future__ import annotations

import asyncio
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
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app.config import Settings, load_settings
from bot.app.web import SchemaOutOfDate, create_app, ensure_schema
from bot.ops import logs
from bot.ops.failures import FAILURES, database_failure
from bot.ops.health import RECEIVING
from bot.pipeline.instance import instance_name

YOUNG_OBJECTS = 20_000  # allocations between two collections of the young generation (CPython: 700)
log = logging.getLogger(__name__)


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
