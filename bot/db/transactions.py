"""Where a group commit's transaction runs: on the engine's own connections, or, for a SQLite
file, on a plain sqlite3 connection in one writer thread.

A group commit's work is a synchronous function of a `Connection` (SQLAlchemy Core,
the same code for both databases). On PostgreSQL it runs through the async engine
(`run_sync`: asyncpg underneath, one round trip per statement). aiosqlite, the
async SQLite driver, runs every DBAPI call (cursor, execute, fetch, close) as a hop
to its thread and back to the event loop, each a few syscalls and a wake-up: a flush
cost much more CPU that way than run whole in a thread (benchmarks/README.md).
So for a SQLite file the whole transaction runs in one writer thread, one hop per flush.
SQLite allows one writer at a time anyway: one thread for every flush also keeps
the flushes from waiting on each other's locks.
"""

from __future__ import annotations

import asyncio
import os
import weakref
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Protocol, TypeVar

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.db.dialect import sqlite_connection

X = TypeVar("X")
Work = Callable[[Connection], X]  # runs inside one transaction, committed when it returns


class Transactions(Protocol):
    async def run(self, work: Work[X], *, one_statement: bool = False) -> X:
        """Run `work` in a transaction of its own; committed when this returns, rolled back if it raises.

        `one_statement`: `work` runs a single statement, atomic by itself, which may then
        commit on its own, without BEGIN and COMMIT.
        """


class OnEngine:
    """The engine's own pooled connections (PostgreSQL; SQLite in memory).

    Held weakly: the registry of group commits is keyed by the engine, and a strong
    reference from its value would keep every engine ever made alive.
    """

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = weakref.ref(engine)

    async def run(self, work: Work[X], *, one_statement: bool = False) -> X:
        """A single statement runs in autocommit: BEGIN and COMMIT are a round trip each, a
        noticeable share of a flush of the inbox's stores (benchmarks/README.md)."""
        engine = self._engine()
        if engine is None:
            raise RuntimeError("the engine of this group commit is gone")
        if one_statement:
            async with engine.connect() as conn:
                await conn.execution_options(isolation_level="AUTOCOMMIT")
                return await conn.run_sync(work)
        async with engine.begin() as conn:
            return await conn.run_sync(work)


class SqliteWriterThread:
    """A synchronous engine on the same SQLite file, used only from the process's writer thread."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = create_engine(engine.url.set(drivername="sqlite"),
                                    connect_args={"check_same_thread": False})  # closed by whichever thread
        event.listen(self.engine, "connect", sqlite_connection)  # the file's journal mode is the desk engine's
        self._kept: list[Connection] = []  # the writer's connection, open from its first flush
        weakref.finalize(engine, _close, self.engine, self._kept)  # it lives as long as the desk's engine

    async def run(self, work: Work[X], *, one_statement: bool = False) -> X:
        """Always a transaction: SQLite's BEGIN and COMMIT cost no round trip here."""
        return await asyncio.get_running_loop().run_in_executor(_writer_thread(), self._in_transaction, work)

    def _in_transaction(self, work: Work[X]) -> X:
        """On one connection kept open: a pool checkout, checkin and reset per flush cost more than
        they protect here (benchmarks/README.md). One the database dropped reconnects on its next use."""
        if not self._kept:
            self._kept.append(self.engine.connect())
        conn = self._kept[0]
        with conn.begin():
            return work(conn)


def _close(engine: Engine, kept: list[Connection]) -> None:
    for conn in kept:
        conn.close()
    engine.dispose()


def transactions_for(engine: AsyncEngine) -> Transactions:
    return SqliteWriterThread(engine) if is_sqlite_file(engine.url) else OnEngine(engine)


def is_sqlite_file(url: URL) -> bool:
    """A SQLite database another connection can open too (not `:memory:`, not a shared-memory URI)."""
    database = url.database or ""
    return (url.get_backend_name() == "sqlite" and database not in ("", ":memory:")
            and "mode=memory" not in database and url.query.get("mode") != "memory")


_WRITERS: dict[int, ThreadPoolExecutor] = {}


def _writer_thread() -> ThreadPoolExecutor:
    """The process's one SQLite writer thread (made on first use, in the process that uses it)."""
    pid = os.getpid()
    writer = _WRITERS.get(pid)
    if writer is None:
        writer = _WRITERS[pid] = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sqlite-writer")
    return writer
