"""What the desk needs from the shell, as Protocols the shell implements."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from handlers.types import Channel


@dataclass(frozen=True)
class UserRecord:
    id: int
    channel: Channel
    external_id: str
    lang: str | None  # None until chosen or detected


@dataclass(frozen=True)
class LoggedQuestion:
    text: str
    lang: str
    decision: str
    topic: str | None
    score: float


class DeskStore(Protocol):
    """Durable memory of users, their questions and feedback."""

    async def touch_user(self, channel: Channel, external_id: str, name: str) -> UserRecord:
        """Get or create the user and mark them seen now."""

    async def set_language(self, user_id: int, lang: str) -> None: ...

    async def log_question(self, user_id: int, question: LoggedQuestion) -> int:
        """Store a question with the desk's decision; returns its id for feedback."""

    async def add_feedback(self, user_id: int, question_id: int, helpful: bool) -> bool:
        """Store feedback on the user's own answered question; False if there is none."""

    async def recent_questions(self, user_id: int, limit: int) -> list[LoggedQuestion]: ...
