"""Pooled connections are pinged only when they sat idle, not on every checkout.

`pool_pre_ping` costs a round trip per transaction, several per update. Under
load a connection goes back to work milliseconds after it was checked in; a
failure on one that was just working is a disconnect SQLAlchemy recognises, and
it then discards the whole pool (every connection older than the failure), so
the next checkout reconnects. Only a connection that waited in the pool (the
database may have restarted meanwhile) is pinged before use; a failed ping makes
the pool connect anew, as `pool_pre_ping` did.
"""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import event
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import AsyncEngine

IDLE_BEFORE_PING = 1.0  # seconds a connection may rest in the pool and still be trusted
IDLE_SINCE = "desk_idle_since"


def ping_when_idle(engine: AsyncEngine, idle: float = IDLE_BEFORE_PING) -> None:
    """Install the checkout ping on `engine` (instead of `pool_pre_ping`)."""
    pool, dialect = engine.sync_engine.pool, engine.dialect

    def checked_in(dbapi_connection: Any, record: Any) -> None:
        record.info[IDLE_SINCE] = time.monotonic()

    def checked_out(dbapi_connection: Any, record: Any, proxy: Any) -> None:
        since = record.info.pop(IDLE_SINCE, None)
        if since is None or time.monotonic() - since < idle:
            return  # new, or back from work a moment ago
        try:
            alive = dialect.do_ping(dbapi_connection)
        except Exception as exc:
            raise DisconnectionError(f"idle connection lost: {exc!r}") from exc
        if alive is False:
            raise DisconnectionError("idle connection lost")

    event.listen(pool, "checkin", checked_in)
    event.listen(pool, "checkout", checked_out)
