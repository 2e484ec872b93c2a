"""Statements rendered once and run on the driver write and read what SQLAlchemy's own execution does."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import bindparam, insert, select, text, update
from sqlalchemy.dialects import sqlite
from sqlalchemy.dialects.postgresql import asyncpg
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.db.dialect import ids_in
from bot.db.models import Question, User
from bot.db.rendered import InsertRows, Statement, sqlite_time
from bot.db.store import TOUCH_USERS

users, questions = User.__table__, Question.__table__
COLUMNS = ("user_id", "text", "lang", "decision", "topic", "score", "created_at")
LOG = InsertRows(lambda dialect: insert(questions).returning(questions.c.id, questions.c.text), COLUMNS)
BACKWARDS = InsertRows(lambda dialect: insert(questions).returning(questions.c.id), COLUMNS[::-1])
TIMES = [dt.datetime(2026, 3, 1, 9, 30, tzinfo=dt.UTC), dt.datetime(2026, 3, 1, 9, 30, 0, 123456, tzinfo=dt.UTC),
         dt.datetime(999, 1, 2, 3, 4, 5, 6, tzinfo=dt.UTC)]
RENAME = Statement(lambda dialect: update(users).where(users.c.id == bindparam("user_id")).values(
    name=bindparam("new_name")), ("user_id", "new_name"))
SEEN = Statement(lambda dialect: update(users).where(ids_in(users.c.id, dialect), users.c.name != "").values(
    last_seen=bindparam("now"), lang="kk").returning(users.c.id), ("ids", "now"))


async def add_user(engine: AsyncEngine, external_id: str) -> int:
    now = dt.datetime.now(dt.UTC)
    async with engine.begin() as conn:
        rows = await conn.run_sync(TOUCH_USERS.run, [("telegram", external_id, "Aigul", now, now)])
    return int(rows[0][0])


@pytest.mark.parametrize("dialect", [sqlite.dialect(), asyncpg.dialect()], ids=["sqlite", "postgresql"])
def test_the_sql_for_n_rows_is_sqlalchemys_own(dialect: Any) -> None:
    for rows in (1, 3, 7):
        assert LOG._form(dialect).sql(rows) == LOG._compile(dialect, rows).string


def test_sqlite_time_is_how_sqlalchemy_writes_a_datetime_on_sqlite() -> None:
    processor = sqlite.DATETIME().bind_processor(sqlite.dialect())
    assert processor is not None
    for value in [*TIMES, TIMES[1].replace(tzinfo=None)]:
        assert sqlite_time(value) == processor(value)
    assert sqlite_time(None) is None


async def test_rows_written_on_the_driver_are_read_back_as_sqlalchemys(engine: AsyncEngine) -> None:
    user_id = await add_user(engine, "1")
    made = [(user_id, f"q{n}", "kk", "answer", None if n else "grants", 0.5 * n, when) for n, when in enumerate(TIMES)]
    async with engine.begin() as conn:
        returned = await conn.run_sync(LOG.run, made)
        await conn.execute(insert(questions), [dict(zip(COLUMNS, row, strict=True)) for row in made])
        await conn.run_sync(BACKWARDS.run, [row[::-1] for row in made])
        stored = (await conn.execute(select(*(questions.c[column] for column in COLUMNS))
                                     .order_by(questions.c.id))).all()
        if engine.dialect.name == "sqlite":  # the very text SQLAlchemy writes
            texts = (await conn.execute(text("SELECT created_at FROM questions ORDER BY id"))).scalars().all()
            assert texts[:3] == texts[3:6] == texts[6:]
    assert [row.text for row in returned] == ["q0", "q1", "q2"]
    assert [tuple(row[:-1]) for row in stored] == [row[:-1] for row in made] * 3
    assert [row.created_at.replace(tzinfo=dt.UTC) for row in stored] == TIMES * 3


async def test_a_statement_over_a_batch_of_ids_takes_each_id_once(engine: AsyncEngine) -> None:
    named, unnamed, other = [await add_user(engine, key) for key in ("1", "2", "3")]
    async with engine.begin() as conn:
        await conn.execute(update(users).where(users.c.id == unnamed).values(name=""))
        seen = await conn.run_sync(SEEN.run, ([named, unnamed, named, 999], TIMES[1]))
        rows = (await conn.execute(select(users.c.id, users.c.lang, users.c.last_seen).order_by(users.c.id))).all()
    assert [row[0] for row in seen] == [named]  # the statement's own literal ("") applies; 999 is no row
    assert [(row.id, row.lang) for row in rows] == [(named, "kk"), (unnamed, None), (other, None)]
    assert rows[0].last_seen.replace(tzinfo=dt.UTC) == TIMES[1]


async def test_run_each_runs_the_rows_in_order(engine: AsyncEngine) -> None:
    user_id = await add_user(engine, "1")
    async with engine.begin() as conn:
        await conn.run_sync(RENAME.run_each, [(user_id, "first"), (user_id, "second")])
        assert await conn.scalar(select(users.c.name)) == "second"


async def test_a_refused_row_fails_as_sqlalchemys_error(engine: AsyncEngine) -> None:
    """The group commit tells a bad row from a lost database by SQLAlchemy's exceptions."""
    user_id = await add_user(engine, "1")
    with pytest.raises(IntegrityError):
        async with engine.begin() as conn:
            await conn.run_sync(LOG.run, [(user_id, None, "kk", "answer", None, 0.0, TIMES[0])])


def test_an_insert_must_be_given_every_value_it_takes() -> None:
    """A column with a default left out: SQLAlchemy would fill it in, the rendered SQL could not."""
    without_time = InsertRows(lambda dialect: insert(questions), COLUMNS[:-1])
    with pytest.raises(ValueError, match="created_at"):
        without_time._form(sqlite.dialect())
