"""SqlDeskStore: the desk's DeskStore port on SQLAlchemy Core, one short transaction per call.

Core statements built once, not ORM sessions: the desk's writes are single rows
it never reads back as objects, and building statements and flushing a unit of
work cost more CPU than the database did. The upserts are SQL text because
SQLAlchemy cannot cache its ON CONFLICT constructs (they were compiled anew on
every update); SQLite and PostgreSQL spell them alike.
"""

from __future__ import annotations

from sqlalchemy import DateTime, bindparam, insert, select, text, update
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.db.models import Feedback, Question, User, utcnow
from handlers.ports import LoggedQuestion, UserRecord
from handlers.types import Channel

users, questions, feedback = User.__table__, Question.__table__, Feedback.__table__
WHEN = DateTime(timezone=True)  # typed binds: SQLite stores datetimes in SQLAlchemy's own format
TOUCH_USER = text(
    "INSERT INTO users (channel, external_id, name, first_seen, last_seen) "
    "VALUES (:channel, :external_id, :name, :now, :now) "
    "ON CONFLICT (channel, external_id) DO UPDATE SET last_seen = excluded.last_seen, "
    "name = CASE WHEN excluded.name <> '' THEN excluded.name ELSE users.name END "
    "RETURNING id, lang").bindparams(bindparam("now", type_=WHEN))
SET_FEEDBACK = text(
    "INSERT INTO feedback (question_id, helpful, created_at) VALUES (:question_id, :helpful, :now) "
    "ON CONFLICT (question_id) DO UPDATE SET helpful = excluded.helpful, created_at = excluded.created_at",
).bindparams(bindparam("now", type_=WHEN))
SET_LANGUAGE = update(users).where(users.c.id == bindparam("user_id")).values(lang=bindparam("new_lang"))
LOG_QUESTION = insert(questions).returning(questions.c.id)
QUESTION_OWNER = select(questions.c.user_id).where(questions.c.id == bindparam("question_id"))
RECENT_QUESTIONS = (select(questions.c.text, questions.c.lang, questions.c.decision, questions.c.topic,
                           questions.c.score)
                    .where(questions.c.user_id == bindparam("user_id")).order_by(questions.c.id.desc())
                    .limit(bindparam("limit")))


class SqlDeskStore:
    """Users, the question log and feedback in the relational database."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def touch_user(self, channel: Channel, external_id: str, name: str) -> UserRecord:
        """One atomic upsert: concurrent first messages of a new user create them once."""
        async with self.engine.begin() as conn:
            row = (await conn.execute(TOUCH_USER, {"channel": channel.value, "external_id": external_id,
                                                   "name": name[:256], "now": utcnow()})).one()
        return UserRecord(row.id, channel, external_id, row.lang)

    async def set_language(self, user_id: int, lang: str) -> None:
        async with self.engine.begin() as conn:
            await conn.execute(SET_LANGUAGE, {"user_id": user_id, "new_lang": lang})

    async def log_question(self, user_id: int, question: LoggedQuestion, *, language: str | None = None) -> int:
        async with self.engine.begin() as conn:
            if language is not None:
                await conn.execute(SET_LANGUAGE, {"user_id": user_id, "new_lang": language})
            return int((await conn.execute(LOG_QUESTION, {
                "user_id": user_id, "text": question.text, "lang": question.lang, "decision": question.decision,
                "topic": question.topic, "score": question.score, "created_at": utcnow()})).scalar_one())

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
