"""`/faq` in a ticket's topic: the user's question and the consultant's answer become a draft entry.

The answer is the message the command replies to, or else the consultant's last
reply to the user; the questions are what the user typed, before the ticket
(its history) and in it. Personal data is masked; the entry is written in the
ticket's language only, the other language and the sources are the curator's.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from handlers.curation import Curation, Line, NewDraft
from handlers.i18n import Gettext
from handlers.ports import Direction, Ticket
from handlers.relay import signed
from handlers.team import Team
from handlers.types import ConsultantMessage, Reply
from knowledge import Action, Matcher
from knowledge.loader import DEFAULT_OWNER
from knowledge.model import LANGS

TITLE_LENGTH = 80
REVIEW_AFTER = dt.timedelta(days=365)  # the base's rule: look at an answer again a year after its check


def _typed(text: str) -> bool:
    return bool(text.strip()) and not text.startswith(("[menu] ", "[button] "))


def questions_of(ticket: Ticket, lines: list[Line]) -> list[str]:
    """What the user asked: the history's typed questions, then their texts in the ticket."""
    asked = [q.text for q in ticket.history if _typed(q.text)]
    asked += [line.text for line in lines if line.direction is Direction.TO_CONSULTANTS and line.kind == "text"
              and not line.author and _typed(line.text)]
    return list(dict.fromkeys(q.strip() for q in asked))


def answer_of(team: Team, ticket: Ticket, message: ConsultantMessage, lines: list[Line]) -> str:
    """The replied-to message, or the consultant's last reply to the user without its signature."""
    if message.reply_to.strip():
        return message.reply_to.strip()
    signature = signed("", team.translator(ticket.lang))
    replies = [line.text for line in lines if line.direction is Direction.TO_USER and line.kind == "text"
               and line.author and line.text.startswith(signature)]
    return replies[-1].removeprefix(signature).strip() if replies else ""


def draft_entry(curation: Curation, ticket: Ticket, questions: list[str], answer: str,
                today: dt.date) -> dict[str, Any]:
    """The entry as a curator will edit it: the ticket's language filled, the other left empty."""
    return new_entry(curation.matcher(), ticket.lang, questions, answer, today)


def new_entry(matcher: Matcher, lang: str, questions: list[str], answer: str, today: dt.date) -> dict[str, Any]:
    """A new entry in one language (a consultant's answer, or a gap's questions with no answer yet):
    the category and related entries are the nearest answerable entries'; the other language is
    left empty for the curator."""
    _, ranked = matcher.rank(" ".join(questions) or answer)
    nearest = [s.entry for s in ranked if s.entry.action is Action.ANSWER]
    category = nearest[0].category if nearest else matcher.base.categories[0].id
    title = questions[0] if questions else answer
    empty = {other: "" for other in LANGS if other != lang}
    return {
        "id": "", "category": category, "action": Action.ANSWER.value,
        "title": {lang: title[:TITLE_LENGTH], **empty},
        "questions": {lang: questions, **{other: [] for other in empty}},
        "keywords": {lang: [], **{other: [] for other in empty}},
        "answer": {lang: answer, **empty},
        "link": "", "sources": [], "checked": today.isoformat(),
        "review_by": (today + REVIEW_AFTER).isoformat(), "owner": DEFAULT_OWNER,  # the loader requires both
        "related": [entry.id for entry in nearest[:3]],
    }


async def faq(team: Team, ticket: Ticket, message: ConsultantMessage, _: Gettext) -> list[Reply]:
    curation = team.curation
    if curation is None:
        return [Reply(_("Drafts of knowledge entries are not enabled on this desk."))]
    lines = await curation.transcript.lines(ticket.id)
    answer = answer_of(team, ticket, message, lines)
    if not answer:
        return [Reply(_("There is no answer to turn into an entry yet: answer the user first, or reply "
                        "to your answer with /faq."))]
    names = [ticket.name, message.author]
    questions = [curation.mask(q, names) for q in questions_of(ticket, lines)]
    entry = draft_entry(curation, ticket, questions, curation.mask(answer, names), team.now().date())
    number, entry_id = await curation.drafts.create(NewDraft(ticket.id, ticket.lang, message.author, entry))
    return [Reply(_("Draft №{number} ({entry}) is saved for the curator, personal data masked. "
                    "The curator adds the other language and the sources, then publishes it; you "
                    "will be told here.").format(number=number, entry=entry_id))]
