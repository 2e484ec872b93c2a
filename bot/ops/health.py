"""GET /readyz: may this instance take traffic? A channel is mounted, the database answers at
the current schema, Redis answers when one is configured, and the consultants' group takes the
bot's messages. A load balancer stops sending webhooks to an instance that says 503 here, while
/healthz (the process is alive) keeps it from a restart.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence

from aiohttp import web
from aiohttp.typedefs import Handler
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.db import schema

Check = Callable[[], Awaitable[str | None]]  # a problem found, or None
CHECK_TIMEOUT = 3.0  # seconds per dependency: a probe must not hang the balancer's check
RECEIVING = web.AppKey("receiving", list)  # names of the channels mounted: none, nothing to take traffic for


async def database_problem(engine: AsyncEngine) -> str | None:
    try:
        async with asyncio.timeout(CHECK_TIMEOUT):
            current = await schema.current_revision(engine)
    except Exception as exc:
        return f"database unreachable: {exc.__class__.__name__}"
    head = schema.head_revision()
    if current != head and not newer_than_this_code(current):
        return f"database schema at {current or 'nothing'}, the desk needs {head}: run `civic-desk db upgrade`"
    return None


def newer_than_this_code(revision: str | None) -> bool:
    """A revision this code does not know was made by a newer version (a rolling upgrade in
    progress): migrations only add, so the instance stays ready until it is replaced."""
    if revision is None:
        return False
    try:
        ScriptDirectory.from_config(schema.alembic_config()).get_revision(revision)
    except CommandError:
        return True
    return False


async def redis_problem(redis: Redis) -> str | None:
    try:
        async with asyncio.timeout(CHECK_TIMEOUT):
            await redis.ping()
    except Exception as exc:
        return f"redis unreachable: {exc.__class__.__name__}"
    return None


async def checked(check: Check) -> str | None:
    try:
        async with asyncio.timeout(CHECK_TIMEOUT):
            return await check()
    except Exception as exc:
        return f"{getattr(check, '__qualname__', 'check')} failed: {exc.__class__.__name__}"


async def problems(engine: AsyncEngine, redis: Redis | None, more: Sequence[Check] = ()) -> list[str]:
    """Every reason this instance is not ready; empty when it is."""
    checks = [database_problem(engine)] + ([redis_problem(redis)] if redis is not None else [])
    checks += [checked(check) for check in more]
    return [problem for problem in await asyncio.gather(*checks) if problem]


def readyz_handler(engine: AsyncEngine, redis: Redis | None, more: Sequence[Check] = ()) -> Handler:
    """`more`: further checks (the consultants' group)."""
    async def readyz(request: web.Request) -> web.Response:
        found = await problems(engine, redis, more)
        if not request.app.get(RECEIVING, ["unknown"]):
            found.append("no channel can receive messages: configure Telegram or WhatsApp")
        if found:
            return web.json_response({"status": "unavailable", "problems": found}, status=503)
        return web.json_response({"status": "ready"})

    return readyz
