"""The group commits' multi-row INSERTs, rendered to SQL once per database kind and row count.

SQLAlchemy's execution of a compiled statement does Python work for every value: the
parameters built by name, each datetime through SQLite's bind processor, the rows of an
`insertmanyvalues` batch pieced together again. For the hottest writes (a row per update
in several tables) that cost more CPU than the database's own work (benchmarks/README.md).
An `InsertRows` is still a SQLAlchemy Core statement, compiled by SQLAlchemy for the
connection's dialect (its quoting, placeholders and casts), once per number of rows; it
runs through `exec_driver_sql` (SQLAlchemy's transactions and error handling, without its
per-value work), the rows' values in the compiled placeholders' order. The one conversion
the driver does not make itself: SQLite keeps datetimes as SQLAlchemy's text (`sqlite_time`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Connection, DateTime, Row, bindparam
from sqlalchemy.engine import Dialect
from sqlalchemy.sql.dml import Insert

Rendered = tuple[str, list[int] | None, list[int]]  # (SQL, placeholders' order, SQLite's datetime columns)
SQLITE_TIME = "%04d-%02d-%02d %02d:%02d:%02d.%06d"  # SQLAlchemy's storage format for SQLite's DATETIME


class InsertRows:
    """A multi-row INSERT of fixed columns; `build` gives the statement without its VALUES
    (any ON CONFLICT and RETURNING included) for a dialect's name."""

    def __init__(self, build: Callable[[str], Insert], columns: Sequence[str]) -> None:
        self.build = build
        self.columns = tuple(columns)
        self._rendered: dict[tuple[str, str, int], Rendered] = {}

    def run(self, conn: Connection, rows: Sequence[Sequence[Any]]) -> Sequence[Row[Any]]:
        """Insert `rows` (each its values in `columns` order) in one statement; its RETURNING rows."""
        dialect = conn.dialect
        sql, order, times = self._sql(dialect, len(rows))
        values = [value for row in rows for value in row]
        width = len(self.columns)
        for column in times:
            values[column::width] = [sqlite_time(value) for value in values[column::width]]
        if order is not None:
            values = [values[position] for position in order]
        result = conn.exec_driver_sql(sql, tuple(values))
        return result.all() if result.returns_rows else []

    def _sql(self, dialect: Dialect, count: int) -> Rendered:
        key = (dialect.name, dialect.paramstyle, count)
        rendered = self._rendered.get(key)
        if rendered is None:
            rendered = self._rendered[key] = self._render(dialect, count)
        return rendered

    def _render(self, dialect: Dialect, count: int) -> Rendered:
        """The SQL for `count` rows; where each placeholder takes its value from in the rows'
        values laid end to end (None: in that order); the columns SQLite gets as text."""
        statement = self.build(dialect.name)
        table = statement.table
        names = [f"{column}_{n}" for n in range(count) for column in self.columns]  # row after row
        width = len(self.columns)
        compiled = statement.values([{column: bindparam(names[n * width + i], type_=table.c[column].type)
                                      for i, column in enumerate(self.columns)} for n in range(count)]
                                    ).compile(dialect=dialect)
        slot = {name: position for position, name in enumerate(names)}
        order = [slot[name] for name in compiled.positiontup or ()]  # KeyError: a value that is no row's
        if sorted(order) != list(range(len(slot))):
            raise ValueError(f"{compiled.string!r} does not take each row value once")
        times = [n for n, column in enumerate(self.columns) if isinstance(table.c[column].type, DateTime)]
        return compiled.string, None if order == sorted(order) else order, times if dialect.name == "sqlite" else []


def sqlite_time(value: dt.datetime | None) -> str | None:
    """A datetime as SQLAlchemy's SQLite DATETIME writes it (its wall time, without the zone)."""
    if value is None:
        return None
    return SQLITE_TIME % (value.year, value.month, value.day, value.hour, value.minute, value.second,
                          value.microsecond)
