"""Group commit: concurrent writes of every kind share a transaction, and a bad batch fails alone."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import weakref
from collections.abc import Sequence

import pytest
from sqlalchemy import Connection, func, insert, select, text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from bot.app.config import Settings
from bot.db import schema
from bot.db.batch import GroupCommit
from bot.db.models import Question, User, utcnow
from bot.db.transactions import SqliteWriterThread, is_sqlite_file
from tests.fixtures import reset_database
from tests.statements import counting_transactions

users, questions = User.__table__, Question.__table__


def add_users(conn: Connection, names: Sequence[str]) -> list[int]:
    now = utcnow()
    rows = conn.execute(insert(users).returning(users.c.id, sort_by_parameter_order=True), [
        {"channel": "telegram", "external_id": name, "name": name, "first_seen": now, "last_seen": now}
        for name in names])
    return list(rows.scalars())


def add_questions(conn: Connection, texts: Sequence[str]) -> list[int]:
    rows = conn.execute(insert(questions).returning(questions.c.id, sort_by_parameter_order=True), [
        {"user_id": 1, "text": text, "lang": "kk", "decision": "answer", "score": 1.0, "created_at": utcnow()}
        for text in texts])
    return list(rows.scalars())


def refuse(conn: Connection, items: Sequence[str]) -> list[None]:
    raise ValueError("this writer's batch is bad")


async def count(engine: AsyncEngine, table: object) -> int:
    async with engine.connect() as conn:
        return int(await conn.scalar(select(func.count()).select_from(table)))  # type: ignore[arg-type]


async def test_concurrent_writes_of_two_kinds_share_one_transaction_and_each_gets_its_own_result(
        engine: AsyncEngine) -> None:
    people, asked = GroupCommit(engine, add_users), GroupCommit(engine, add_questions)
    first = await people.submit("first")  # the question rows need a user

    with counting_transactions() as began:
        results = await asyncio.gather(*(people.submit(f"user-{n}") for n in range(10)),
                                       *(asked.submit(f"question {n}") for n in range(10)))

    assert began[0] == 1
    user_ids, question_ids = results[:10], results[10:]
    assert user_ids == list(range(first + 1, first + 11))  # in submission order
    assert len(set(question_ids)) == 10 and question_ids == sorted(question_ids)


async def test_a_write_is_committed_when_submit_returns(engine: AsyncEngine) -> None:
    people = GroupCommit(engine, add_users)

    user_id = await people.submit("visible")

    async with engine.connect() as other:  # another connection sees it at once
        assert await other.scalar(select(users.c.name).where(users.c.id == user_id)) == "visible"


async def test_a_writer_with_a_bad_batch_fails_only_its_own_callers(engine: AsyncEngine) -> None:
    people, broken = GroupCommit(engine, add_users), GroupCommit(engine, refuse)

    results = await asyncio.gather(*(people.submit(f"user-{n}") for n in range(5)),
                                   broken.submit("x"), broken.submit("y"), return_exceptions=True)

    assert all(isinstance(user_id, int) for user_id in results[:5])
    assert [type(error) for error in results[5:]] == [ValueError, ValueError]
    assert await count(engine, users) == 5


def add_users_refusing_bad(conn: Connection, names: Sequence[str]) -> list[int]:
    if any("bad" in name for name in names):  # as PostgreSQL refuses a whole statement for one row
        raise ValueError("a character the database refuses")
    return add_users(conn, names)


async def test_one_bad_row_in_a_batch_fails_only_its_own_caller(engine: AsyncEngine) -> None:
    people = GroupCommit(engine, add_users_refusing_bad)

    results = await asyncio.gather(*(people.submit(name) for name in ("ann", "bad bob", "cem", "dina")),
                                   return_exceptions=True)

    assert [type(result) for result in results] == [int, ValueError, int, int]
    assert await count(engine, users) == 3


async def test_a_nul_in_one_row_fails_only_that_row_on_postgresql(engine: AsyncEngine) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite stores U+0000")
    people = GroupCommit(engine, add_users)

    results = await asyncio.gather(*(people.submit(name) for name in ("ann", "b\x00b", "cem")),
                                   return_exceptions=True)

    assert isinstance(results[0], int) and isinstance(results[2], int)
    assert isinstance(results[1], Exception)
    assert await count(engine, users) == 2


async def test_writes_keep_flowing_after_a_failed_batch(engine: AsyncEngine) -> None:
    people, broken = GroupCommit(engine, add_users), GroupCommit(engine, refuse)
    with pytest.raises(ValueError):
        await broken.submit("x")

    assert await people.submit("after") > 0
    assert await count(engine, users) == 1


async def test_a_batch_is_bounded_and_the_rest_goes_in_the_next_transaction(engine: AsyncEngine) -> None:
    people = GroupCommit(engine, add_users, max_batch=4)

    with counting_transactions() as began:
        user_ids = await asyncio.gather(*(people.submit(f"user-{n}") for n in range(10)))

    assert began[0] == 3  # 4 + 4 + 2
    assert user_ids == sorted(user_ids) and len(set(user_ids)) == 10


async def test_a_lost_connection_fails_every_caller_of_the_flush_at_once(engine: AsyncEngine) -> None:
    def lose_connection(conn: Connection, items: Sequence[str]) -> list[None]:
        raise ConnectionResetError("the database went away")

    people, lost = GroupCommit(engine, add_users), GroupCommit(engine, lose_connection)

    results = await asyncio.gather(people.submit("a"), lost.submit("x"), return_exceptions=True)

    assert [type(error) for error in results] == [ConnectionResetError, ConnectionResetError]
    assert await count(engine, users) == 0  # nothing half-written: the webhook answers 503, the platform retries


async def test_a_write_in_its_own_lane_does_not_wait_for_the_flush_of_another(engine: AsyncEngine) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite has one writer: every lane's flush runs in its writer thread in turn")

    def slow(conn: Connection, items: Sequence[str]) -> list[None]:
        conn.execute(text("SELECT pg_sleep(2)"))  # the processing lane's transaction stays open
        return [None] * len(items)

    processing, acknowledgements = GroupCommit(engine, slow), GroupCommit(engine, add_users, lane="acknowledgements")
    stuck = asyncio.create_task(processing.submit("busy"))
    await asyncio.sleep(0.2)

    user_id = await asyncio.wait_for(acknowledgements.submit("stored"), timeout=1.5)

    assert user_id > 0 and not stuck.done()
    assert await stuck is None


@pytest.fixture
def began(engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """The transactions begun on PostgreSQL (asyncpg's BEGIN)."""
    if engine.dialect.name != "postgresql":
        pytest.skip("on SQLite, BEGIN and COMMIT cost no round trip: every flush is a transaction")
    import asyncpg.transaction

    started: list[object] = []
    start = asyncpg.transaction.Transaction.start

    async def counted_start(transaction: asyncpg.transaction.Transaction) -> None:
        started.append(transaction)
        await start(transaction)

    monkeypatch.setattr(asyncpg.transaction.Transaction, "start", counted_start)
    return started


async def test_a_one_statement_writer_alone_in_its_flush_commits_without_begin_and_commit(
        engine: AsyncEngine, began: list[object]) -> None:
    stores = GroupCommit(engine, add_users, lane="acknowledgements", one_statement=True)
    await stores.submit("warm-up")  # the pool's first connection
    began.clear()

    ids = await asyncio.gather(*(stores.submit(f"user-{n}") for n in range(10)))
    assert began == []
    assert await count(engine, users) == 11 and len(set(ids)) == 10

    both = GroupCommit(engine, add_questions, lane="acknowledgements")  # now the lane holds two writers
    began.clear()
    await asyncio.gather(stores.submit("one more"), both.submit("a question"))
    assert len(began) == 1  # two writers' statements in one flush: one transaction


async def test_a_writer_may_say_which_of_its_batches_are_one_statement(
        engine: AsyncEngine, began: list[object]) -> None:
    stores = GroupCommit(engine, add_users, lane="acknowledgements",
                         one_statement=lambda names: not any(name.startswith("tx:") for name in names))
    await stores.submit("warm-up")  # the pool's first connection
    began.clear()

    await stores.submit("plain")
    assert began == []
    await stores.submit("tx:claimed")
    assert len(began) == 1
    assert await count(engine, users) == 3


async def test_group_commits_do_not_keep_a_dropped_engine_alive(settings: Settings) -> None:
    engine = create_async_engine(settings.database_url)
    await reset_database(engine)
    await schema.upgrade(engine)
    people = GroupCommit(engine, add_users)
    assert await people.submit("someone") > 0
    await engine.dispose()
    gone = weakref.ref(engine)

    del engine, people
    gc.collect()

    assert gone() is None


async def test_the_sqlite_writer_reconnects_once_its_connection_was_dropped(engine: AsyncEngine) -> None:
    if not is_sqlite_file(engine.url):
        pytest.skip("only a SQLite file has a writer thread")
    writer = SqliteWriterThread(engine)
    assert await writer.run(lambda conn: conn.scalar(text("SELECT 1"))) == 1

    def drop(conn: Connection) -> None:
        conn.invalidate()  # as SQLAlchemy does when the database is gone

    with contextlib.suppress(Exception):
        await writer.run(drop)
    await writer.run(lambda conn: add_users(conn, ["after"]))
    assert await count(engine, users) == 1
