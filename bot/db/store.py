"""SqlDeskStore: the desk's DeskStore port on SQLAlchemy, one unit of work per call."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from bot.db.models import Feedback, Question, User, utcnow
from handlers.ports import LoggedQuestion, UserRecord
from handlers.types import Channel


def _record(user: User) -> UserRecord:
    return UserRecord(user.id, Channel(user.channel), user.external_id, user.lang)


class SqlDeskStore:
    """Users, the question log and feedback in the relational database."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.sessions = async_sessionmaker(engine, expire_on_commit=False)

    async def touch_user(self, channel: Channel, external_id: str, name: str) -> UserRecord:
        async with self.sessions.begin() as session:
            user = await session.scalar(select(User).where(
                User.channel == channel.value, User.external_id == external_id))
            if user is not None:
                user.last_seen = utcnow()
                if name:
                    user.name = name[:256]
                return _record(user)
        try:
            async with self.sessions.begin() as session:
                user = User(channel=channel.value, external_id=external_id, name=name[:256])
                session.add(user)
                await session.flush()
                return _record(user)
        except IntegrityError:  # created meanwhile by a concurrent update of the same user
            return await self.touch_user(channel, external_id, name)

    async def set_language(self, user_id: int, lang: str) -> None:
        async with self.sessions.begin() as session:
            user = await session.get(User, user_id)
            if user is not None:
                user.lang = lang

    async def log_question(self, user_id: int, question: LoggedQuestion) -> int:
        async with self.sessions.begin() as session:
            row = Question(user_id=user_id, text=question.text, lang=question.lang,
                           decision=question.decision, topic=question.topic, score=question.score)
            session.add(row)
            await session.flush()
            return row.id

    async def add_feedback(self, user_id: int, question_id: int, helpful: bool) -> bool:
        async with self.sessions.begin() as session:
            question = await session.get(Question, question_id)
            if question is None or question.user_id != user_id:
                return False
            existing = await session.scalar(select(Feedback).where(Feedback.question_id == question_id))
            if existing is None:
                session.add(Feedback(question_id=question_id, helpful=helpful))
            else:
                existing.helpful = helpful
                existing.created_at = utcnow()
            return True

    async def recent_questions(self, user_id: int, limit: int) -> list[LoggedQuestion]:
        async with self.sessions() as session:
            rows = await session.scalars(select(Question).where(Question.user_id == user_id)
                                         .order_by(Question.id.desc()).limit(limit))
            return [LoggedQuestion(q.text, q.lang, q.decision, q.topic, q.score) for q in reversed(rows.all())]
