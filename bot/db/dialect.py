"""Statements whose spelling differs between the two supported databases (SQLite, PostgreSQL)."""

from __future__ import annotations

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

Insert = postgresql.Insert | sqlite.Insert


def insert_on_conflict(bind: AsyncEngine | AsyncConnection, table: Table) -> Insert:
    """An INSERT that can say ON CONFLICT (an atomic upsert, or skipping duplicates).

    Both databases spell it the same way (SQLite since 3.24, RETURNING since 3.35);
    only the SQLAlchemy construct differs.
    """
    if bind.dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)
