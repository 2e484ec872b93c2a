"""Late tickets: no consultant's reply within the centre's target, counted in its working hours only.

A ticket opened at 17:30 with a two-hour target is not late at 19:30 (the
centre closed at 18:00), nor over a night, a weekend or a holiday; it is late at
10:30 the next working day. A late ticket is flagged once (across instances): its
topic's name gets the mark, and the centre's head hears of it (or the group's
general topic, when no head is configured). The mark is taken off the name once
the ticket gets its first reply, or is closed without one: a flag on an answered
ticket would send the head after work that is done.
"""

from __future__ import annotations

import datetime as dt

from handlers.cards import channel_name, plain
from handlers.ports import Direction, Relay, RelayKind, Ticket
from handlers.team import Team
from handlers.working_hours import WorkingHours


def is_late(hours: WorkingHours, opened: dt.datetime, now: dt.datetime, minutes: int) -> bool:
    """Whether `minutes` of working time have passed since the ticket opened."""
    return hours.working_seconds(opened, now) >= minutes * 60


def _text(team: Team, ticket: Ticket) -> str:
    _ = team.staff()
    centre = team.centres.answering(ticket.centre).name[team.consultant_lang] if team.centres else ""
    return _("⚠️ Ticket №{number} ({channel}, {name}) has waited over {minutes} working minutes for a "
             "consultant's first reply, the centre's limit. Centre: {centre}.").format(
        number=ticket.id, channel=channel_name(ticket.channel), name=plain(ticket.name) or ticket.chat_id,
        minutes=team.target_of(ticket.centre), centre=centre or "—")


async def check(team: Team) -> int:
    """Flag every ticket that became late; returns how many."""
    now = team.now()
    flagged = 0
    for ticket in await team.tickets.unanswered():
        if not is_late(team.hours_of(ticket.centre), ticket.created_at, now, team.target_of(ticket.centre)):
            continue
        late = await team.tickets.flag_late(ticket.id, now)
        if late is None:  # answered meanwhile, or another instance flagged it
            continue
        await team.outbox.put(Relay(late.id, Direction.TO_CONSULTANTS, RelayKind.OVERDUE, _text(team, late),
                                    person=team.head_of(late.centre)))
        flagged += 1
    return flagged


async def _unflag(team: Team, ticket: Ticket) -> None:
    """The topic's name loses the late mark (its title no longer has it), through the outbox like the flag."""
    await team.outbox.put(Relay(ticket.id, Direction.TO_CONSULTANTS, RelayKind.RENAME))


async def answered(team: Team, ticket_id: int) -> None:
    """A consultant's words reached the user; on the first reply to a late ticket its flag comes off."""
    first = await team.tickets.answered(ticket_id, team.now())
    if first is not None and first.sla_flagged_at is not None:
        await _unflag(team, first)


async def closed(team: Team, ticket: Ticket) -> None:
    """A late ticket closed before any reply: its flag comes off too (a reply first took it off already)."""
    if ticket.sla_flagged_at is not None and ticket.first_reply_at is None:
        await _unflag(team, ticket)
