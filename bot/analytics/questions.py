"""What the question log says about a period: usage, feedback per entry, clarify outcomes, gap texts.

Everything comes from the tables the desk already writes. A question's
successor (the same user's next logged question, SQL's LEAD) tells what
followed it: an escalation right after an answer means the answer did not
help; a clarify followed by a topic button ("[menu] ...", decision `menu`) was
resolved, one followed by "None of these" was not, anything else had no choice.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.db.models import Feedback, Question, User
from handlers import render

BUTTON = "[button] "
NONE_OF_THESE = f"{BUTTON}{render.NONE_OF_THESE}"
DECISIONS = ("answer", "clarify", "fallback", "escalate", "smalltalk", "limited")


@dataclass
class Usage:
    """Typed messages of one language on one channel, and what the desk decided."""

    lang: str
    channel: str
    messages: int = 0
    decisions: Counter[str] = field(default_factory=Counter)


@dataclass
class EntryVerdicts:
    """How the users took one entry's answers."""

    entry: str
    answers: int = 0
    helpful: int = 0
    not_helpful: int = 0
    escalated_after: int = 0


@dataclass
class ClarifyOutcomes:
    chosen: int = 0
    none_of_these: int = 0
    no_choice: int = 0


@dataclass(frozen=True)
class GapText:
    text: str
    lang: str
    kind: str  # fallback | clarify | not_helpful


@dataclass
class QuestionFigures:
    usage: list[Usage]
    entries: list[EntryVerdicts]
    clarify: ClarifyOutcomes
    gaps: list[GapText]


def _synthetic(decision: str, text: str) -> bool:
    """A button logged as a question (a topic from a menu, "Ask a consultant"), not typed text."""
    return decision == "menu" or text.startswith(BUTTON)


class _Tally:
    """One pass over the period's questions, in user and id order."""

    def __init__(self) -> None:
        self.usage: dict[tuple[str, str], Usage] = {}
        self.entries: dict[str, EntryVerdicts] = defaultdict(lambda: EntryVerdicts(""))
        self.clarify = ClarifyOutcomes()
        self.gaps: list[GapText] = []

    def entry(self, entry_id: str) -> EntryVerdicts:
        verdicts = self.entries[entry_id]
        verdicts.entry = entry_id
        return verdicts

    def add(self, decision: str, topic: str | None, text: str, lang: str, channel: str,
            next_decision: str | None, next_text: str | None) -> None:
        if _synthetic(decision, text):
            return
        usage = self.usage.setdefault((lang, channel), Usage(lang, channel))
        usage.messages += 1
        usage.decisions[decision] += 1
        if decision == "answer" and topic:
            verdicts = self.entry(topic)
            verdicts.answers += 1
            verdicts.escalated_after += next_decision == "escalate"
        elif decision == "clarify":
            if next_decision == "menu":
                self.clarify.chosen += 1
            elif next_text == NONE_OF_THESE:
                self.clarify.none_of_these += 1
            else:
                self.clarify.no_choice += 1
            if next_decision != "menu":
                self.gaps.append(GapText(text, lang, "clarify"))
        elif decision == "fallback":
            self.gaps.append(GapText(text, lang, "fallback"))


async def question_figures(conn: AsyncConnection, since: dt.datetime) -> QuestionFigures:
    q = Question.__table__
    window = {"partition_by": q.c.user_id, "order_by": q.c.id}
    rows = await conn.execute(
        select(q.c.decision, q.c.topic, q.c.text, q.c.lang, User.__table__.c.channel,
               func.lead(q.c.decision).over(**window), func.lead(q.c.text).over(**window))
        .join(User.__table__, User.__table__.c.id == q.c.user_id)
        .where(q.c.created_at >= since))
    tally = _Tally()
    for row in rows:
        tally.add(*row)
    verdicts = await conn.execute(
        select(q.c.topic, q.c.text, q.c.lang, Feedback.__table__.c.helpful)
        .join(Feedback.__table__, Feedback.__table__.c.question_id == q.c.id)
        .where(q.c.created_at >= since, q.c.topic.is_not(None)))
    for topic, text, lang, helpful in verdicts:
        entry = tally.entry(topic)
        if helpful:
            entry.helpful += 1
        else:
            entry.not_helpful += 1
            if not text.startswith("[menu] "):
                tally.gaps.append(GapText(text, lang, "not_helpful"))
    usage = sorted(tally.usage.values(), key=lambda u: (u.lang, u.channel))
    entries = sorted(tally.entries.values(), key=lambda e: (-e.not_helpful, -e.answers, e.entry))
    return QuestionFigures(usage, entries, tally.clarify, tally.gaps)
