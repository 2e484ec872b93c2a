"""Working-hours reminders: a ticket nobody took is posted again in the group's general topic.

Run periodically by the service. Outside working hours nobody is there to read
it, so nothing is posted; the first run of the working day catches up.
"""

from __future__ import annotations

from handlers.cards import reminder_text
from handlers.ports import Direction, Relay, RelayKind
from handlers.team import Team


async def remind(team: Team) -> int:
    """Queue a reminder for every ticket waiting too long; returns how many."""
    now = team.now()
    if not team.hours.is_open(now):
        return 0
    due = await team.tickets.due_reminders(now - team.remind_after, now)
    for ticket in due:
        await team.outbox.put(Relay(ticket.id, Direction.TO_CONSULTANTS, RelayKind.REMINDER,
                                    reminder_text(team, ticket)))
    return len(due)
