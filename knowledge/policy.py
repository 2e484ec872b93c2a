"""The decision policy: from ranked scores to what the desk does.

Bands follow the two-stage fallback idea: confident -> answer, unsure ->
offer the top three to choose from, low -> say so and offer a consultant.
An answer also needs a clear lead over the runner-up, because two close
topics mean the desk does not really know which one was meant; when the
runner-up that close is an out-of-scope neighbour, it is declined.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from knowledge.model import Action, Entry, Lang


class DecisionKind(StrEnum):
    ANSWER = "answer"
    CLARIFY = "clarify"
    FALLBACK = "fallback"
    SMALLTALK = "smalltalk"
    ESCALATE = "escalate"


@dataclass(frozen=True)
class Thresholds:
    """Score bands (0..1); tuned on the dev set, overridable from settings."""

    answer: float = 0.42
    clarify: float = 0.28
    margin: float = 0.03
    escalate: float = 0.5


@dataclass(frozen=True)
class Scored:
    entry: Entry
    score: float


@dataclass(frozen=True)
class Decision:
    """What the desk should do with one message, and why."""

    kind: DecisionKind
    lang: Lang
    score: float
    entry: Entry | None = None  # the answer, smalltalk, escalation or declined topic
    candidates: tuple[Entry, ...] = field(default=())

    @property
    def intent(self) -> str | None:
        if self.kind in (DecisionKind.ANSWER, DecisionKind.SMALLTALK, DecisionKind.ESCALATE):
            return self.entry.id if self.entry else None
        return None


def decide(ranked: list[Scored], lang: Lang, limits: Thresholds, *, courtesy_only: bool) -> Decision:
    """Apply the bands to entries ranked best first."""
    if courtesy_only:
        greeting = next((s for s in ranked if s.entry.action is Action.SMALLTALK), None)
        return Decision(DecisionKind.SMALLTALK, lang, 1.0, greeting.entry if greeting else None)
    if not ranked:
        return Decision(DecisionKind.FALLBACK, lang, 0.0)
    top = ranked[0]
    runner_up = ranked[1].score if len(ranked) > 1 else 0.0
    answerable = tuple(s.entry for s in ranked if s.entry.action is Action.ANSWER)[:3]
    score = round(top.score, 4)
    if top.entry.action is Action.ESCALATE and top.score >= limits.escalate:
        return Decision(DecisionKind.ESCALATE, lang, score, top.entry)
    if top.entry.action is Action.SMALLTALK and top.score >= limits.answer:
        return Decision(DecisionKind.SMALLTALK, lang, score, top.entry)
    if top.entry.action is Action.DECLINE and top.score >= limits.clarify:
        return Decision(DecisionKind.FALLBACK, lang, score, top.entry)
    neighbour = ranked[1] if len(ranked) > 1 and ranked[1].entry.action is Action.DECLINE else None
    if neighbour and neighbour.score >= limits.clarify and top.score - neighbour.score < limits.margin:
        # Too close to tell from a declined neighbour: say where that topic is handled.
        return Decision(DecisionKind.FALLBACK, lang, score, neighbour.entry, answerable)
    confident = top.score >= limits.answer and top.score - runner_up >= limits.margin
    if top.entry.action is Action.ANSWER and confident:
        return Decision(DecisionKind.ANSWER, lang, score, top.entry, answerable)
    if top.score >= limits.clarify and answerable:
        return Decision(DecisionKind.CLARIFY, lang, score, None, answerable)
    return Decision(DecisionKind.FALLBACK, lang, score, None, answerable)
