"""Why a command could not use the database, as one line an operator can act on.

PostgreSQL refuses a connection for a missing database or role before any
outage logic sees it (asyncpg raises its own error, unwrapped by SQLAlchemy);
those get their own advice, everything else is "unreachable".
"""

from __future__ import annotations

from asyncpg import PostgresError
from sqlalchemy.engine import make_url

from bot.pipeline.outage import OUTAGE, unreachable

FAILURES = (*OUTAGE, PostgresError)
# SQLSTATE of a refused connection -> the advice ({user}, {db}, {host} from DESK_DATABASE_URL).
REFUSALS = {
    "3D000": "the database {db} does not exist on {host}: create it (sudo -u postgres createdb -O {user} {db}) "
             "or fix DESK_DATABASE_URL",
    "28000": "PostgreSQL on {host} refused the role {user} (it does not exist or may not connect): create it "
             "(sudo -u postgres createuser -P {user}) or fix DESK_DATABASE_URL",
    "28P01": "PostgreSQL on {host} refused the password of {user}: fix DESK_DATABASE_URL",
}


def database_failure(database_url: str, exc: BaseException) -> str:
    """The one line for a database error of a command (the password never shown)."""
    state = getattr(exc, "sqlstate", None) or getattr(getattr(exc, "orig", None), "sqlstate", None)
    if state in REFUSALS:
        url = make_url(database_url)
        return REFUSALS[state].format(user=url.username or "?", db=url.database or "?", host=url.host or "localhost")
    return unreachable(database_url, exc)
