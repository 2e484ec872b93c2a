"""`civic-desk doctor [--online]`: what is configured, what is missing, what the desk will do.

Offline it reads the settings and asks the desk's own services (database, Redis,
knowledge base); `--online` also asks the platforms whether they know the bot and
the number (getMe, getWebhookInfo, the consultants' group, Graph's phone number).
One line per finding; the exit status is 1 when any line is an error.
"""

from __future__ import annotations

import asyncio
import sys
from typing import TextIO

from redis.asyncio import Redis
from sqlalchemy.engine import make_url

from bot.app.channel_plan import Part, plan, receiving
from bot.app.config import Settings
from bot.db import schema
from bot.ops.doctor_online import online_parts
from bot.pipeline.outage import OUTAGE
from knowledge import check_base

CHECK_TIMEOUT = 10.0  # seconds per service: a doctor that hangs tells nothing


async def database(settings: Settings) -> Part:
    from bot.app.compose import make_engine  # the engine factory imports the matcher too: only when needed

    where = make_url(settings.database_url).render_as_string(hide_password=True)
    engine = make_engine(settings)
    try:
        async with asyncio.timeout(CHECK_TIMEOUT):
            current = await schema.current_revision(engine)
    except OUTAGE as exc:  # TimeoutError among them
        return Part("database", False, f"{where} is unreachable ({exc.__class__.__name__}): check "
                                       "DESK_DATABASE_URL and that the server runs", error=True)
    finally:
        await engine.dispose()
    head = schema.head_revision()
    if current != head:
        return Part("database", False, f"{where} is at schema {current or 'nothing'}, the desk needs {head}: "
                                       "run `civic-desk db upgrade`", error=True)
    return Part("database", True, f"{where}, schema {head} (current)")


async def consultants_group(settings: Settings) -> list[Part]:
    """The group's state as the running instances left it: moved to a supergroup, or broken since when."""
    if settings.consultant_chat_id is None:
        return []
    from bot.app.compose import make_engine
    from bot.channels.telegram.group import shared_status, status_lines

    engine = make_engine(settings)
    try:
        async with asyncio.timeout(CHECK_TIMEOUT):
            status = await shared_status(engine, settings.consultant_chat_id)
    except OUTAGE:  # the database's own line says why
        return []
    finally:
        await engine.dispose()
    _id, *notes = status_lines(status)
    return [Part("consultants' group", not status.problem, "; ".join([str(status.chat_id), *map(str.strip, notes)]))]


async def redis(settings: Settings) -> Part:
    if not settings.redis_url:
        return Part("redis", False, "DESK_REDIS_URL is not set: each instance counts rate limits on its own")
    where = make_url(settings.redis_url).render_as_string(hide_password=True)
    client = Redis.from_url(settings.redis_url)
    try:
        async with asyncio.timeout(CHECK_TIMEOUT):
            await client.ping()
    except Exception as exc:  # any failure of the ping is the finding itself
        return Part("redis", False, f"{where} does not answer ({exc.__class__.__name__}): check DESK_REDIS_URL",
                    error=True)
    finally:
        await client.aclose()
    return Part("redis", True, f"{where} answers: rate limits shared between instances")


def knowledge(settings: Settings) -> Part:
    base, problems = check_base(settings.knowledge_dir, max_age_days=settings.kb_max_age_days)
    errors = sum(1 for p in problems if p.severity == "error")
    if errors:
        return Part("knowledge", False, f"{errors} errors in {settings.knowledge_dir}: run `civic-desk kb check`",
                    error=True)
    return Part("knowledge", True, f"{len(base.entries)} entries, {len(problems)} warnings "
                                   f"({settings.knowledge_dir})")


def centres(settings: Settings) -> Part:
    """The regions whose users get no centre's contacts, and the centres without a consultants' group."""
    from bot.app.compose import check_directory  # imports the matcher too: only when needed

    directory, problems = check_directory(settings)
    if directory is None:
        return Part("centres", False, f"{len(problems)} errors in the centres or regions file: run "
                                      "`civic-desk kb check`", error=True)
    no_contacts = [p.field.removeprefix("regions.") for p in problems if p.field.startswith("regions.")]
    no_group = [p.field.split(".")[1] for p in problems if p.field.startswith("centres.")]
    detail = f"{len(directory.centres.centres)} centres; regions without contacts: {', '.join(no_contacts) or 'none'}"
    return Part("centres", True, f"{detail}; centres without a consultants' group: {', '.join(no_group) or 'none'}")


def verdict(parts: list[Part]) -> Part:
    """What `civic-desk serve` would do with these settings."""
    if any(p.error for p in parts):
        return Part("serve", False, "will not start until the errors above are fixed", error=True)
    channels = receiving(parts)
    if not channels:
        return Part("serve", False, "no channel would receive messages: `serve` refuses to start "
                                    "(configure Telegram or WhatsApp, or pass --no-channels)")
    return Part("serve", True, f"will take messages on {' and '.join(p.name for p in channels)}")


async def findings(settings: Settings, *, online: bool) -> list[Part]:
    parts = plan(settings)
    stored = await database(settings)
    group = await consultants_group(settings) if stored.active else []
    parts += [stored, *group, await redis(settings), knowledge(settings), centres(settings)]
    if online:
        parts += await online_parts(settings)
    return [*parts, verdict(parts)]


def doctor(settings: Settings, *, online: bool, out: TextIO | None = None) -> int:
    """Print the findings, one line each; 1 when any is an error."""
    out = out or sys.stdout
    parts = asyncio.run(findings(settings, online=online))
    for part in parts:
        print(part.line(), file=out)
    if not online:
        print("(add --online to ask Telegram and Meta too)", file=out)
    return 1 if any(p.error for p in parts) else 0
