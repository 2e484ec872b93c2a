"""Statements whose spelling differs between the two supported databases (SQLite, PostgreSQL)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, BigInteger, ColumnElement, Connection, Table, any_, bindparam, func, literal_column, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

Insert = postgresql.Insert | sqlite.Insert
EMPTY = literal_column("''")  # the empty string written in the SQL: a rendered INSERT's only values are its rows'


def insert_on_conflict(bind: AsyncEngine | AsyncConnection | Connection | str, table: Table) -> Insert:
    """An INSERT that can say ON CONFLICT (an atomic upsert, or skipping duplicates).

    Both databases spell it the same way (SQLite since 3.24, RETURNING since 3.35);
    only the SQLAlchemy construct differs. `bind`: a connection, an engine, or the
    dialect's name. SQLAlchemy caches no compiled ON CONFLICT statement: the hot ones are
    compiled once by `bot.db.rendered`.
    """
    if (bind if isinstance(bind, str) else bind.dialect.name) == "postgresql":
        return postgresql.Insert(table)
    return sqlite.Insert(table)


def ids_in(column: ColumnElement[Any], dialect: str) -> ColumnElement[bool]:
    """`column` among a batch's ids, bound as one value ("ids"), so the statement's SQL is the same
    for every batch: compiled (and on PostgreSQL prepared) once. An array on PostgreSQL, a JSON list on SQLite."""
    if dialect == "postgresql":
        return column == any_(bindparam("ids", type_=ARRAY(BigInteger)))
    ids = func.json_each(bindparam("ids", type_=JSON)).table_valued("value")
    return column.in_(select(ids.c.value))


def sqlite_pragmas(connection: Any, record: Any) -> None:
    """The desk's engine on a SQLite file: write-ahead logging (writers do not block readers),
    which stays set in the file, and the settings of every connection (`sqlite_connection`)."""
    sqlite_connection(connection, record)
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


def sqlite_connection(connection: Any, record: Any) -> None:
    """Every SQLite connection: a writer waits up to 10 s for another's lock instead of failing,
    and synchronous=NORMAL (with WAL, a commit survives a crash of the process; only a power
    loss could take the last commits back)."""
    cursor = connection.cursor()
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()
