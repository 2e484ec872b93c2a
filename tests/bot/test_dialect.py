"""Upserts built once are compiled once, and each keeps its own SQL."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.db.dialect import built_once, insert_on_conflict
from bot.db.models import User, utcnow

users = User.__table__


@built_once
def add_user(dialect: str) -> Any:
    return insert_on_conflict(dialect, users).on_conflict_do_nothing(
        index_elements=[users.c.channel, users.c.external_id]).returning(users.c.id)


@built_once
def rename_user(dialect: str) -> Any:
    statement = insert_on_conflict(dialect, users)
    return statement.on_conflict_do_update(index_elements=[users.c.channel, users.c.external_id],
                                           set_={"name": statement.excluded.name}).returning(users.c.id)


def person(name: str) -> dict[str, Any]:
    return {"channel": "telegram", "external_id": "7", "name": name, "first_seen": utcnow(), "last_seen": utcnow()}


async def test_two_upserts_of_one_table_built_once_each_run_their_own_statement(engine: AsyncEngine) -> None:
    dialect = engine.dialect.name
    async with engine.begin() as conn:
        for statement, name in ((add_user, "a"), (rename_user, "b"), (add_user, "c"), (rename_user, "d"),
                                (add_user, "e")):
            await conn.execute(statement(dialect), [person(name)])
        assert (await conn.execute(select(users.c.name))).scalars().all() == ["d"]


async def test_an_upsert_built_once_is_compiled_once(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        await conn.execute(rename_user(engine.dialect.name), [person("a")])
        again = await conn.execute(rename_user(engine.dialect.name), [person("b")])
    assert again.context.cache_hit == engine.dialect.CACHE_HIT
