"""A lost database answers 503, not 500: the platforms retry a 503 later, and by then the
desk has reconnected by itself (the engine pings pooled connections before use).
"""

from __future__ import annotations

import logging

from aiohttp import web
from aiohttp.typedefs import Handler
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout

log = logging.getLogger(__name__)
# What a database that went away raises: the driver's errors, a refused or reset socket, a pool wait.
OUTAGE = (DBAPIError, PoolTimeout, OSError, TimeoutError)
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
