"""Escalation: open a ticket for a person and tell the user honestly what happens next.

Every trigger (a request for a person, "Not helpful" then "Ask a consultant",
"None of these", "Ask a consultant" on a fallback) ends here. A user has at
most one open ticket; asking again while it is open says so instead of queueing
twice. The ticket is queued in and out of working hours alike.
"""

from __future__ import annotations

import datetime as dt

from handlers import render
from handlers.i18n import Gettext
from handlers.ports import Direction, NewTicket, Relay, RelayKind, Ticket, UserRecord
from handlers.team import Team
from handlers.types import Inbound, Reply
from handlers.working_hours import WorkingHours


def day_names(_: Gettext) -> tuple[str, ...]:
    return (_("Mon"), _("Tue"), _("Wed"), _("Thu"), _("Fri"), _("Sat"), _("Sun"))


def when(hours: WorkingHours, now: dt.datetime, opening: dt.datetime | None, _: Gettext) -> str:
    """"tomorrow from 09:00": when the next working span starts, said the way people say it."""
    if opening is None:
        return _("as soon as they can")
    today = hours.local(now).date()
    time = opening.strftime("%H:%M")
    if opening.date() == today:
        return _("today from {time}").format(time=time)
    if opening.date() == today + dt.timedelta(days=1):
        return _("tomorrow from {time}").format(time=time)
    return _("on {date} from {time}").format(date=opening.strftime("%d.%m"), time=time)


def already_open(ticket: Ticket, _: Gettext) -> Reply:
    return render.end_chat(_("Your request №{number} is already with the consultants: everything you "
                             "write here goes to them. To return to the bot, press «End chat» or "
                             "send /end.").format(number=ticket.id), _)


async def what_next(team: Team, ticket: Ticket, _: Gettext) -> Reply:
    now, hours = team.now(), team.hours_of(ticket.centre)
    hint = _("Meanwhile you can describe your question in more detail: everything you write here "
             "goes to the consultant. To return to the bot, press «End chat» or send /end.")
    if hours.is_open(now):
        position = await team.tickets.queue_position(ticket.id)
        text = _("Your request №{number} has been passed to the consultants of the civic centre. "
                 "A consultant will reply here, in this chat. Your place in the queue: "
                 "{position}.").format(number=ticket.id, position=position)
    else:
        text = _("Your request №{number} has been passed to the consultants of the civic centre and "
                 "is in the queue. They work {schedule} ({zone}), so a consultant will reply "
                 "{when}.").format(number=ticket.id, schedule=hours.describe(day_names(_)),
                                   zone=hours.utc_offset(now), when=when(hours, now, hours.next_opening(now), _))
    return render.end_chat(f"{text}\n\n{hint}", _)


async def escalate(team: Team, user: UserRecord, lang: str, inbound: Inbound,
                   centre: str = "national") -> list[Reply]:
    """Open the user's ticket (or find the open one) and post its card to the consultants of `centre`."""
    _ = team.translator(lang)
    existing = await team.tickets.open_of_user(user.id)
    if existing is not None:
        return [already_open(existing, _)]
    history = tuple(await team.questions.recent_questions(user.id, team.history_size))
    ticket, created = await team.tickets.open(NewTicket(
        user.id, user.channel, user.external_id, inbound.name, inbound.handle, lang, history, team.now(), centre))
    if not created:  # opened meanwhile by a concurrent message of the same user
        return [already_open(ticket, _)]
    await team.outbox.put(Relay(ticket.id, Direction.TO_CONSULTANTS, RelayKind.CARD))
    return [await what_next(team, ticket, _)]
