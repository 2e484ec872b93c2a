"""Upserts rendered once each keep their own SQL, compiled once per database kind."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.db.dialect import insert_on_conflict
from bot.db.models import User
from bot.db.rendered import InsertRows

users = User.__table__
COLUMNS = ("channel", "external_id", "name", "first_seen", "last_seen")


def adding(dialect: str) -> Any:
    return insert_on_conflict(dialect, users).on_conflict_do_nothing(
        index_elements=[users.c.channel, users.c.external_id]).returning(users.c.id)


def renaming(dialect: str) -> Any:
    statement = insert_on_conflict(dialect, users)
    return statement.on_conflict_do_update(index_elements=[users.c.channel, users.c.external_id],
                                           set_={"name": statement.excluded.name}).returning(users.c.id)


ADD_USER, RENAME_USER = InsertRows(adding, COLUMNS), InsertRows(renaming, COLUMNS)


def person(name: str) -> tuple[Any, ...]:
    now = dt.datetime.now(dt.UTC)
    return ("telegram", "7", name, now, now)


async def test_two_upserts_of_one_table_each_run_their_own_statement(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        for statement, name in ((ADD_USER, "a"), (RENAME_USER, "b"), (ADD_USER, "c"), (RENAME_USER, "d"),
                                (ADD_USER, "e")):
            await conn.run_sync(statement.run, [person(name)])
        assert (await conn.execute(select(users.c.name))).scalars().all() == ["d"]


async def test_an_upsert_is_compiled_once(engine: AsyncEngine) -> None:
    renamer = InsertRows(renaming, COLUMNS)
    async with engine.begin() as conn:
        await conn.run_sync(renamer.run, [person("a")])
        form = renamer._form(engine.dialect)
        await conn.run_sync(renamer.run, [person("b")])
    assert renamer._form(engine.dialect) is form and len(renamer._forms) == 1
