"""A ticket's conversation so far, compact, for a consultant who opens a topic made anew.

A topic someone deleted or closed for good, or left behind in a group that moved,
is created again with the card; without the conversation the consultant would
start blind. Newest lines are kept when there are many; long messages are cut.
"""

from __future__ import annotations

from handlers.cards import channel_name
from handlers.i18n import Gettext
from handlers.ports import Direction, RelayKind, Said, Ticket
from handlers.team import Team

MAX_LINES = 30
LINE_LIMIT = 200  # characters of one message in the transcript


def _line(team: Team, ticket: Ticket, said: Said, _: Gettext) -> str:
    text = " ".join(said.text.split())
    text = text if len(text) <= LINE_LIMIT else text[:LINE_LIMIT - 1] + "…"
    when = team.hours.local(said.at).strftime("%d.%m %H:%M")
    if said.kind is RelayKind.NOTE:
        who = _("📝 note by {name}").format(name=said.author or "?")
    elif said.kind is RelayKind.NOTICE:
        who = "ℹ️"
    elif said.direction is Direction.TO_USER:
        who = f"→ {said.author or '?'}"
    else:
        who = ticket.name or channel_name(ticket.channel)
    return f"{when} {who}: {text}"


async def transcript(team: Team, ticket_id: int, before: int) -> str | None:
    """The conversation of the ticket before its message `before`; None when nothing was said."""
    ticket = await team.tickets.get(ticket_id)
    said = await team.tickets.conversation(ticket_id, before)
    if ticket is None or not said:
        return None
    _ = team.staff()
    lines = [_("The conversation so far (this topic was made anew):")]
    if len(said) > MAX_LINES:
        lines.append(_("… {count} earlier messages are not shown.").format(count=len(said) - MAX_LINES))
    lines += [_line(team, ticket, one, _) for one in said[-MAX_LINES:]]
    return "\n".join(lines)
