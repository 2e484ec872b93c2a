"""`/kb <words>` in a ticket's topic: a current entry's answer sent to the user (canned replies).

The consultant's words are matched by the same matcher the users meet; a clear
match is sent at once, several close ones are offered as buttons (`kb:<id>`).
The answer goes in the user's language, as the bot shows it, signed and recorded
like any reply.
"""

from __future__ import annotations

from handlers import relay, render
from handlers.i18n import Gettext
from handlers.ports import Ticket
from handlers.team import Team
from handlers.types import Button, Reply
from knowledge import Action, DecisionKind, Entry

PICK = "kb:"
CHOICES = 3


async def send_entry(team: Team, ticket: Ticket, author: str, entry: Entry, _: Gettext) -> list[Reply]:
    base = team.curation.matcher().base if team.curation else None
    table = base.mci if base is not None else {}
    amounts = render.amounts_at(team.now(), table)
    text = render.entry_text(entry, ticket.lang, team.translator(ticket.lang), amounts)
    replies = await relay.from_consultant(team, ticket, author, text)
    if ticket.is_open:
        replies.append(Reply(_("Entry {entry} sent to the user.").format(entry=entry.id)))
    return replies


async def search(team: Team, ticket: Ticket, author: str, words: str, _: Gettext) -> list[Reply]:
    if team.curation is None:
        return [Reply(_("Drafts of knowledge entries are not enabled on this desk."))]
    if not words.strip():
        return [Reply(_("Write what to look for after the command: /kb words"))]
    matcher = team.curation.matcher()
    decision = matcher.decide(words, default_lang=ticket.lang)  # type: ignore[arg-type]
    if decision.kind is DecisionKind.ANSWER and decision.entry is not None:
        return await send_entry(team, ticket, author, decision.entry, _)
    _analysis, ranked = matcher.rank(words)
    found = [s.entry for s in ranked if s.entry.action is Action.ANSWER][:CHOICES]
    if not found:
        return [Reply(_("Nothing in the knowledge base matches these words."))]
    staff = team.consultant_lang
    rows = tuple((Button(f"{PICK}{e.id}", e.title.get(staff) or e.title[ticket.lang]),) for e in found)
    return [Reply(_("Several entries match. Which one should the user get?"), rows)]


async def pick(team: Team, ticket: Ticket, author: str, data: str, _: Gettext) -> list[Reply]:
    """A button under the list of entries was pressed."""
    entry = team.curation.matcher().base.get(data[len(PICK):]) if team.curation else None
    if entry is None or entry.action is not Action.ANSWER:
        return [Reply(_("This entry is no longer in the knowledge base."))]
    return await send_entry(team, ticket, author, entry, _)
