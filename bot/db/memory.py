"""MemoryStore: the DeskStore port in memory, for one-off `ask` runs that keep nothing."""

from __future__ import annotations

from dataclasses import replace

from handlers.ports import LoggedQuestion, UserRecord
from handlers.types import Channel


class MemoryStore:
    """Keeps users, questions and feedback in dicts for the life of the process."""

    def __init__(self) -> None:
        self.users: dict[tuple[Channel, str], UserRecord] = {}
        self.questions: list[tuple[int, LoggedQuestion]] = []
        self.feedback: dict[int, bool] = {}

    async def touch_user(self, channel: Channel, external_id: str, name: str) -> UserRecord:
        key = (channel, external_id)
        if key not in self.users:
            self.users[key] = UserRecord(len(self.users) + 1, channel, external_id, None)
        return self.users[key]

    async def set_language(self, user_id: int, lang: str) -> None:
        for key, user in self.users.items():
            if user.id == user_id:
                self.users[key] = replace(user, lang=lang)

    async def set_region(self, user_id: int, region: str) -> None:
        for key, user in self.users.items():
            if user.id == user_id:
                self.users[key] = replace(user, region=region)

    async def log_question(self, user_id: int, question: LoggedQuestion, *, language: str | None = None) -> int:
        if language is not None:
            await self.set_language(user_id, language)
        self.questions.append((user_id, question))
        return len(self.questions)

    async def add_feedback(self, user_id: int, question_id: int, helpful: bool) -> bool:
        if not 1 <= question_id <= len(self.questions) or self.questions[question_id - 1][0] != user_id:
            return False
        self.feedback[question_id] = helpful
        return True

    async def recent_questions(self, user_id: int, limit: int) -> list[LoggedQuestion]:
        return [q for uid, q in self.questions if uid == user_id][-limit:]
