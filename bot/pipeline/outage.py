"""A lost database answers 503, not 500: the platforms retry a 503 later, and by then the
desk has reconnected by itself (the engine pings pooled connections before use).
"""

from __future__ import annotations

import logging

from aiohttp import web
from aiohttp.typedefs import Handler
from sqlalchemy import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout

log = logging.getLogger(__name__)
# What a database that went away raises: the driver's errors, a refused or reset socket, a pool wait.
OUTAGE = (DBAPIError, PoolTimeout, OSError, TimeoutError)


def unreachable(database_url: str, exc: BaseException) -> str:
    """What to tell an operator whose database does not answer (the password hidden)."""
    where = make_url(database_url).render_as_string(hide_password=True)
    return (f"the database at {where} is unreachable ({exc.__class__.__name__}: {exc}); "
            "check DESK_DATABASE_URL and that the server runs")
RETRY_AFTER = "5"


@web.middleware
async def database_outage(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except OUTAGE as exc:
        log.warning("%s %s answered 503, the database is unavailable: %s", request.method,
                    request.path, exc.__class__.__name__)
        return web.json_response({"error": "temporarily unavailable"}, status=503,
                                 headers={"Retry-After": RETRY_AFTER})
