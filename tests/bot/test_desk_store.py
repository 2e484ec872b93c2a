"""SqlDeskStore under concurrency: each update's writes share one statement per table, results stay each caller's."""

from __future__ import annotations

import asyncio

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.db.models import Question
from bot.db.store import SqlDeskStore, distinct_rounds
from handlers import Channel
from handlers.ports import LoggedQuestion
from tests.statements import counting_statements, counting_transactions

questions = Question.__table__


def asked(text: str) -> LoggedQuestion:
    return LoggedQuestion(text, "kk", "answer", "grants.apply", 0.9)


async def test_the_questions_of_concurrent_updates_are_logged_by_one_insert(
        engine: AsyncEngine, sql_store: SqlDeskStore) -> None:
    people = [await sql_store.touch_user(Channel.TELEGRAM, str(n), f"user {n}") for n in range(30)]

    with counting_statements("INSERT INTO questions ") as inserts:
        ids = await asyncio.gather(*(sql_store.log_question(p.id, asked(f"question {p.id}")) for p in people))

    assert inserts[0] == 1  # on SQLite too: not one statement per row
    async with engine.connect() as conn:
        logged = dict((await conn.execute(select(questions.c.id, questions.c.text))).all())
    assert [logged[question_id] for question_id in ids] == [f"question {p.id}" for p in people]


async def test_two_questions_of_one_user_in_one_batch_keep_their_order(
        engine: AsyncEngine, sql_store: SqlDeskStore) -> None:
    first = await sql_store.touch_user(Channel.WHATSAPP, "77010000001", "")
    second = await sql_store.touch_user(Channel.WHATSAPP, "77010000002", "")

    ids = await asyncio.gather(sql_store.log_question(first.id, asked("a")),
                               sql_store.log_question(second.id, asked("b")),
                               sql_store.log_question(first.id, asked("c")))

    async with engine.connect() as conn:
        logged = dict((await conn.execute(select(questions.c.id, questions.c.text))).all())
    assert [logged[question_id] for question_id in ids] == ["a", "b", "c"]
    assert ids[0] < ids[2]  # the user's first question has the lower id


async def test_the_regions_of_concurrent_updates_are_set_in_one_transaction_the_later_winning(
        sql_store: SqlDeskStore) -> None:
    people = [await sql_store.touch_user(Channel.TELEGRAM, str(n), "") for n in range(3)]

    with counting_transactions() as began:
        await asyncio.gather(*(sql_store.set_region(p.id, "almaty") for p in people),
                             sql_store.set_region(people[0].id, "karaganda"))

    assert began[0] == 1
    regions = [(await sql_store.touch_user(Channel.TELEGRAM, str(n), "")).region for n in range(3)]
    assert regions == ["karaganda", "almaty", "almaty"]


def test_rounds_hold_each_key_once_and_keep_its_order() -> None:
    assert distinct_rounds([7, 8, 7, 9, 7]) == [[0, 1, 3], [2], [4]]
    assert distinct_rounds([]) == []
