"""The group commits' hottest statements, compiled once per database kind and run on the driver.

SQLAlchemy's execution of a compiled statement does Python work for every value: the
parameters built by name, each datetime through SQLite's bind processor, an IN list or the
rows of an `insertmanyvalues` batch pieced into the SQL again, a Row object per row. For
the writes made for every update that cost more CPU than the database's own work
(benchmarks/README.md). These statements are still SQLAlchemy Core, compiled by SQLAlchemy
for the connection's dialect (its quoting, placeholders and casts), once; they run through
`exec_driver_sql` (SQLAlchemy's transactions and error handling, without its per-value
work) with their values in the placeholders' order. `InsertRows`: a multi-row INSERT, its
SQL for n rows its VALUES group repeated n times (checked against SQLAlchemy's own two-row
statement). `Statement`: any other, its SQL the same for every run (a batch's ids as one
value: `bot.db.dialect.ids_in`). The conversions SQLAlchemy's bind processors would have
made, the driver's own codecs aside (`_converter`): SQLite's datetimes as SQLAlchemy's
text (`sqlite_time`), JSON as text.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import JSON, Connection, DateTime, Row, bindparam
from sqlalchemy.engine import CursorResult, Dialect
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.dml import Insert
from sqlalchemy.sql.elements import ClauseElement
from sqlalchemy.sql.type_api import TypeEngine

SQLITE_TIME = "%04d-%02d-%02d %02d:%02d:%02d.%06d"  # SQLAlchemy's storage format for SQLite's DATETIME
Convert = Callable[[Any], Any]
# A Statement's SQL, its values' order, its own literals and the values converted (`Statement._render`).
Compiled = tuple[str, list[int] | None, tuple[Any, ...], list[tuple[int, Convert]]]
NUMBERED = re.compile(r"\$(\d+)")  # asyncpg's placeholders ("numeric_dollar"); "?" (SQLite) repeats as is


class Statement:
    """A statement compiled once per dialect (`build` gives it for a dialect's name), its values
    given by position (`names`, its bound parameters): an UPDATE by key, or of a batch's ids (`ids_in`)."""

    def __init__(self, build: Callable[[str], ClauseElement], names: Sequence[str]) -> None:
        self.build = build
        self.names = tuple(names)
        self._forms: dict[tuple[str, str], Compiled] = {}

    def run(self, conn: Connection, values: tuple[Any, ...]) -> Sequence[Row[Any]]:
        """Run it once; its RETURNING rows."""
        return _returned(conn.exec_driver_sql(*self._bound(conn.dialect, [values])))

    def run_each(self, conn: Connection, rows: Sequence[tuple[Any, ...]]) -> None:
        """Run it for each row, in order (one executemany)."""
        if rows:
            sql, bound = self._bound(conn.dialect, rows)
            conn.exec_driver_sql(sql, bound)

    def _bound(self, dialect: Dialect, rows: Sequence[tuple[Any, ...]]) -> tuple[str, Any]:
        key = (dialect.name, dialect.paramstyle)
        form = self._forms.get(key)
        if form is None:
            form = self._forms[key] = self._render(dialect)
        sql, order, fixed, converts = form
        if order is None and not fixed and not converts:
            return sql, rows[0] if len(rows) == 1 else list(rows)
        bound = [list(full) if order is None else [full[n] for n in order] for full in (row + fixed for row in rows)]
        for values in bound:
            for position, convert in converts:
                values[position] = convert(values[position])
        return sql, tuple(bound[0]) if len(bound) == 1 else [tuple(values) for values in bound]

    def _render(self, dialect: Dialect) -> Compiled:
        """Its SQL; where each placeholder's value is in a row followed by the statement's own
        literals (`fixed`); which values the driver takes converted (`_converter`)."""
        compiled = self.build(dialect.name).compile(dialect=dialect)
        assert isinstance(compiled, SQLCompiler)
        named = list(self.names)
        for name in compiled.positiontup or ():
            if name not in named and not compiled.binds[name].required:  # a literal of the statement's
                named.append(name)
        fixed = tuple(compiled.binds[name].effective_value for name in named[len(self.names):])
        order = _order(compiled, {name: n for n, name in enumerate(named)})
        return compiled.string, order, fixed, _converts(compiled, dialect)


class InsertRows:
    """A multi-row INSERT of fixed columns; `build` gives the statement without its VALUES
    (any ON CONFLICT and RETURNING included) for a dialect's name."""

    def __init__(self, build: Callable[[str], Insert], columns: Sequence[str]) -> None:
        self.build = build
        self.columns = tuple(columns)
        self._forms: dict[tuple[str, str], _Form] = {}

    def run(self, conn: Connection, rows: Sequence[Sequence[Any]]) -> Sequence[Row[Any]]:
        """Insert `rows` (each its values in `columns` order) in one statement; its RETURNING rows."""
        form = self._form(conn.dialect)
        return _returned(conn.exec_driver_sql(form.sql(len(rows)), form.values(rows)))

    def _form(self, dialect: Dialect) -> _Form:
        key = (dialect.name, dialect.paramstyle)
        form = self._forms.get(key)
        if form is None:
            form = self._forms[key] = self._render(dialect)
        return form

    def _render(self, dialect: Dialect) -> _Form:
        one = self._compile(dialect, 1)
        order = _order(one, {f"{column}_0": n for n, column in enumerate(self.columns)})
        start = one.string.index(" VALUES (") + len(" VALUES ")
        end = _closing(one.string, start)
        form = _Form(one.string[:start], one.string[start:end], one.string[end:], len(self.columns),
                     dialect.paramstyle == "numeric_dollar", order, _converts(one, dialect))
        if form.sql(2) != self._compile(dialect, 2).string:
            raise ValueError(f"{dialect.paramstyle} placeholders: the rows' VALUES cannot be repeated")
        return form

    def _compile(self, dialect: Dialect, count: int) -> SQLCompiler:
        statement = self.build(dialect.name)
        table = statement.table
        compiled = statement.values([{column: bindparam(f"{column}_{n}", type_=table.c[column].type)
                                      for column in self.columns} for n in range(count)]).compile(dialect=dialect)
        assert isinstance(compiled, SQLCompiler)
        return compiled


@dataclass
class _Form:
    """An INSERT's SQL around its one VALUES group, for a dialect; the SQL for n rows repeats it."""

    head: str
    group: str
    tail: str
    width: int
    numbered: bool  # each group's placeholders count on from the last one's
    order: list[int] | None  # a row's values in the placeholders' order (None: as given)
    converts: list[tuple[int, Convert]]  # the values, in that order, the driver takes converted
    _sql: dict[int, str] = field(default_factory=dict)

    def sql(self, count: int) -> str:
        sql = self._sql.get(count)
        if sql is None:
            groups = (self._group(n) for n in range(count))
            sql = self._sql[count] = f"{self.head}{', '.join(groups)}{self.tail}"
        return sql

    def _group(self, n: int) -> str:
        if not self.numbered:
            return self.group
        return NUMBERED.sub(lambda match: f"${int(match[1]) + n * self.width}", self.group)

    def values(self, rows: Sequence[Sequence[Any]]) -> tuple[Any, ...]:
        order = self.order
        values = ([value for row in rows for value in row] if order is None
                  else [row[n] for row in rows for n in order])
        for column, convert in self.converts:
            values[column::self.width] = _each(convert, values[column::self.width])
        return tuple(values)


def _returned(result: CursorResult[Any]) -> Sequence[Row[Any]]:
    return result.all() if result.returns_rows else []


def _converts(compiled: SQLCompiler, dialect: Dialect) -> list[tuple[int, Convert]]:
    """The placeholders whose values the driver takes converted, and how (`_converter`)."""
    return [(position, convert) for position, name in enumerate(compiled.positiontup or ())
            if (convert := _converter(compiled.binds[name].type, dialect)) is not None]


def _converter(kind: TypeEngine[Any], dialect: Dialect) -> Convert | None:
    """What a value of this type needs before the driver takes it, when SQLAlchemy's bind processor
    would have done it: SQLite's datetimes as text, JSON (a batch's ids on SQLite: `ids_in`) as text."""
    if isinstance(kind, DateTime) and dialect.name == "sqlite":
        return sqlite_time
    if isinstance(kind, JSON):
        return json.dumps
    return None


def _order(compiled: SQLCompiler, position: dict[str, int]) -> list[int] | None:
    """Where each placeholder's value is in a row given by name (`position`); None: in that order."""
    unknown = [name for name in compiled.positiontup or () if name not in position]
    if unknown:
        raise ValueError(f"{compiled.string!r} takes {unknown}, which are not given")
    order = [position[name] for name in compiled.positiontup or ()]
    if set(order) != set(range(len(position))):
        raise ValueError(f"{compiled.string!r} does not take each of {list(position)}")
    return None if order == list(range(len(position))) else order


def _closing(sql: str, start: int) -> int:
    """Just after the parenthesis that closes the one opening at `start`."""
    depth = 0
    for position in range(start, len(sql)):
        depth += {"(": 1, ")": -1}.get(sql[position], 0)
        if depth == 0:
            return position + 1
    raise ValueError(f"unbalanced parentheses in {sql!r}")


def _each(convert: Convert, values: Sequence[Any]) -> list[Any]:
    """A column's values converted; one repeated down the column (a batch's `now`) converted once."""
    converted: list[Any] = []
    last: object = converted  # no value is the list itself
    for value in values:
        if value is not last:
            last, done = value, convert(value)
        converted.append(done)
    return converted


def sqlite_time(value: dt.datetime | None) -> str | None:
    """A datetime as SQLAlchemy's SQLite DATETIME writes it (its wall time, without the zone)."""
    if value is None:
        return None
    return SQLITE_TIME % (value.year, value.month, value.day, value.hour, value.minute, value.second,
                          value.microsecond)
