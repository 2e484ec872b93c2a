"""SqlDeskStore: the desk's DeskStore port on SQLAlchemy Core.

The writes of every question (the user seen, the question logged, a region it
names) go through group commits (`bot.db.batch`): concurrent updates share one
transaction and one multi-row statement per table, and each caller still waits
for the commit holding its row. Measured on the webhook benchmark, one short
transaction per call cost more CPU than everything else the desk does.
The rare writes (a language button, feedback) keep a transaction of their own.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Connection, DateTime, bindparam, case, insert, select, text, update
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.db.batch import GroupCommit
from bot.db.dialect import EMPTY, Insert, insert_on_conflict
from bot.db.models import Feedback, Question, User, utcnow
from bot.db.rendered import InsertRows, Statement
from handlers.ports import LoggedQuestion, UserRecord
from handlers.types import Channel

users, questions, feedback = User.__table__, Question.__table__, Feedback.__table__
WHEN = DateTime(timezone=True)  # typed binds: SQLite stores datetimes in SQLAlchemy's own format
SET_FEEDBACK = text(
    "INSERT INTO feedback (question_id, helpful, created_at) VALUES (:question_id, :helpful, :now) "
    "ON CONFLICT (question_id) DO UPDATE SET helpful = excluded.helpful, created_at = excluded.created_at",
).bindparams(bindparam("now", type_=WHEN))
SET_REGIONS = Statement(lambda dialect: update(users).where(users.c.id == bindparam("user_id")).values(
    region=bindparam("new_region")), ("user_id", "new_region"))
SET_LANGUAGE = update(users).where(users.c.id == bindparam("user_id")).values(lang=bindparam("new_lang"))
SET_LANGUAGES = Statement(lambda dialect: SET_LANGUAGE, ("user_id", "new_lang"))
# Rows are matched back by user, not by parameter order: asking SQLAlchemy to keep the order
# (sort_by_parameter_order) made SQLite insert the batch one row per statement.
LOG_QUESTIONS = InsertRows(lambda dialect: insert(questions).returning(questions.c.id, questions.c.user_id),
                           ("user_id", "text", "lang", "decision", "topic", "score", "created_at"))
QUESTION_OWNER = select(questions.c.user_id).where(questions.c.id == bindparam("question_id"))
RECENT_QUESTIONS = (select(questions.c.text, questions.c.lang, questions.c.decision, questions.c.topic,
                           questions.c.score)
                    .where(questions.c.user_id == bindparam("user_id")).order_by(questions.c.id.desc())
                    .limit(bindparam("limit")))


@dataclass(frozen=True)
class _Seen:
    channel: Channel
    external_id: str
    name: str


@dataclass(frozen=True)
class _Logged:
    user_id: int
    question: LoggedQuestion
    language: str | None


class SqlDeskStore:
    """Users, the question log and feedback in the relational database."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self._seen = GroupCommit(engine, _touch_users)
        self._logged = GroupCommit(engine, _log_questions)
        self._regions = GroupCommit(engine, _set_regions)

    async def touch_user(self, channel: Channel, external_id: str, name: str) -> UserRecord:
        """One atomic upsert (shared with concurrent callers): a new user is created once."""
        return await self._seen.submit(_Seen(channel, external_id, name[:256]))

    async def set_language(self, user_id: int, lang: str) -> None:
        async with self.engine.begin() as conn:
            await conn.execute(SET_LANGUAGE, {"user_id": user_id, "new_lang": lang})

    async def set_region(self, user_id: int, region: str) -> None:
        """Group-committed like the question log: it is written while a question is answered
        (the first region a user names), not by a button."""
        await self._regions.submit((user_id, region))

    async def log_question(self, user_id: int, question: LoggedQuestion, *, language: str | None = None) -> int:
        return await self._logged.submit(_Logged(user_id, question, language))

    async def add_feedback(self, user_id: int, question_id: int, helpful: bool) -> bool:
        async with self.engine.begin() as conn:
            owner = await conn.scalar(QUESTION_OWNER, {"question_id": question_id})
            if owner is None or owner != user_id:
                return False
            await conn.execute(SET_FEEDBACK, {"question_id": question_id, "helpful": helpful, "now": utcnow()})
            return True

    async def recent_questions(self, user_id: int, limit: int) -> list[LoggedQuestion]:
        async with self.engine.connect() as conn:
            rows = (await conn.execute(RECENT_QUESTIONS, {"user_id": user_id, "limit": limit})).all()
        return [LoggedQuestion(r.text, r.lang, r.decision, r.topic, r.score) for r in reversed(rows)]


def upsert_users(dialect: str) -> Insert:
    """INSERT users, or on conflict: last_seen now, a non-empty name kept current; RETURNING their rows."""
    statement = insert_on_conflict(dialect, users)
    excluded = statement.excluded
    return statement.on_conflict_do_update(
        index_elements=[users.c.channel, users.c.external_id],
        set_={"last_seen": excluded.last_seen,
              "name": case((excluded.name != EMPTY, excluded.name), else_=users.c.name)},
    ).returning(users.c.id, users.c.channel, users.c.external_id, users.c.lang, users.c.region)


TOUCH_USERS = InsertRows(upsert_users, ("channel", "external_id", "name", "first_seen", "last_seen"))


def _touch_users(conn: Connection, seen: Sequence[_Seen]) -> list[UserRecord]:
    """Upsert a batch of users in one statement: last_seen now, a non-empty name kept current."""
    latest = {(item.channel.value, item.external_id): item for item in seen}  # a row per user: last name wins
    now = utcnow()
    rows = TOUCH_USERS.run(conn, [(channel, external_id, item.name, now, now)
                                  for (channel, external_id), item in latest.items()])
    stored = {(channel, external_id): (user_id, lang, region) for user_id, channel, external_id, lang, region in rows}
    records = []
    for item in seen:
        user_id, lang, region = stored[(item.channel.value, item.external_id)]
        records.append(UserRecord(user_id, item.channel, item.external_id, lang, region))
    return records


def _log_questions(conn: Connection, logged: Sequence[_Logged]) -> list[int]:
    """Insert a batch of questions, one statement per round of distinct users (nearly always one);
    a first question also sets the user's language."""
    languages = [(item.user_id, item.language) for item in logged if item.language]
    if languages:
        SET_LANGUAGES.run_each(conn, languages)
    now = utcnow()
    ids: dict[int, int] = {}  # position in the batch -> question id
    for round_ in distinct_rounds([item.user_id for item in logged]):
        rows = LOG_QUESTIONS.run(conn, [
            (item.user_id, item.question.text, item.question.lang, item.question.decision, item.question.topic,
             item.question.score, now) for item in (logged[position] for position in round_)])
        by_user = {user_id: question_id for question_id, user_id in rows}
        ids.update((position, int(by_user[logged[position].user_id])) for position in round_)
    return [ids[position] for position in range(len(logged))]


def _set_regions(conn: Connection, regions: Sequence[tuple[int, str]]) -> list[None]:
    """One executemany, in the batch's order: a user's later region wins."""
    SET_REGIONS.run_each(conn, regions)
    return [None] * len(regions)


def distinct_rounds(keys: Sequence[object]) -> list[list[int]]:
    """Positions of `keys` in rounds where no key repeats: a key's n-th occurrence goes in round n,
    so the rounds, written in turn, keep each key's order."""
    rounds: list[list[int]] = []
    seen: dict[object, int] = {}
    for position, key in enumerate(keys):
        n = seen[key] = seen.get(key, -1) + 1
        if n == len(rounds):
            rounds.append([])
        rounds[n].append(position)
    return rounds
