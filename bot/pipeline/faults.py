"""Transient or permanent: whether an error will go away if the same work is tried again later.

A database or network that is away (refused, reset, stalled, timed out, restarting,
out of connections) is transient: the work stays pending and is retried when it is
back. A bug or bad data fails the same way every time: retrying it only delays
the failure, so it is recorded as failed and counted.
"""

from __future__ import annotations

from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

# SQLSTATE classes of a server that is away or busy, not of a wrong statement: connection
# exceptions, insufficient resources, operator intervention (statement timeout, shutdown),
# transaction rollback (serialization failure, deadlock).
TRANSIENT_SQLSTATE_CLASSES = ("08", "53", "57", "40")


def is_transient(exc: BaseException) -> bool:
    """True when trying the same work again later may well succeed."""
    if isinstance(exc, (PoolTimeout, OSError, TimeoutError, ConnectionError)):
        return True
    if isinstance(exc, DBAPIError):
        if exc.connection_invalidated or isinstance(exc, (OperationalError, InterfaceError)):
            return True
        state = getattr(exc.orig, "sqlstate", None) or getattr(exc.orig, "pgcode", None)
        return isinstance(state, str) and state[:2] in TRANSIENT_SQLSTATE_CLASSES
    cause = exc.__cause__
    return cause is not None and cause is not exc and is_transient(cause)
