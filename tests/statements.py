"""Counting what reaches the database, on every engine of the process.

Group commits on a SQLite file run on an engine of their own (a writer thread),
so these listen on SQLAlchemy's Engine class, not on one engine.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine


@contextmanager
def counting_statements(prefix: str) -> Iterator[list[int]]:
    """How many statements starting with `prefix` were sent inside the block."""
    seen = [0]

    def counted(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen[0] += statement.startswith(prefix)

    with _listening("before_cursor_execute", counted):
        yield seen


@contextmanager
def counting_transactions() -> Iterator[list[int]]:
    """How many transactions began inside the block."""
    began = [0]

    def counted(conn: Any) -> None:
        began[0] += 1

    with _listening("begin", counted):
        yield began


@contextmanager
def _listening(identifier: str, listener: Callable[..., None]) -> Iterator[None]:
    event.listen(Engine, identifier, listener)
    try:
        yield
    finally:
        event.remove(Engine, identifier, listener)
