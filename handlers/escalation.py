"""Escalation: open a ticket for a person and tell the user honestly what happens next.

Every trigger (a request for a person, "Not helpful" then "Ask a consultant",
"None of these", "Ask a consultant" on a fallback) ends here. A user has at
most one open ticket; asking again while it is open says so instead of queueing
twice. The ticket is queued in and out of working hours alike.
"""

from __future__ import annotations

from handlers import centre_card, render, turns
from handlers.i18n import Gettext
from handlers.ports import Direction, NewTicket, Relay, RelayKind, Ticket, UserRecord
from handlers.schedule_words import day_names, when
from handlers.team import Team
from handlers.types import Inbound, Reply


def already_open(ticket: Ticket, _: Gettext) -> Reply:
    return render.end_chat(_("Your request №{number} is already with the consultants: everything you "
                             "write here goes to them. To return to the bot, press «End chat» or "
                             "send /end.").format(number=ticket.id), _)


def unreachable(team: Team, ticket: Ticket, _: Gettext) -> str:
    """The consultants' workspace is down: the request waits, and the user may not want to.

    The way around it is the ticket's own centre: its card when centres.yaml gives its
    contacts, else DESK_CENTRE_CONTACTS (the national centre's)."""
    text = _("Your request №{number} is saved, but because of a technical problem it cannot reach the "
             "consultants right now. It will reach them as soon as the problem is fixed, and a "
             "consultant will reply here.").format(number=ticket.id)
    directory = team.centres
    centre = directory.centres.get(ticket.centre) if directory is not None else None
    if directory is not None and centre is not None and centre.has_contacts:
        card = centre_card.card(directory, centre, team.now(), ticket.lang, _)
        return text + " " + _("If your question is urgent, contact the civic centre directly:") + "\n\n" + card
    if team.contacts:
        return text + " " + _("If your question is urgent, contact the civic centre directly: "
                              "{contacts}").format(contacts=team.contacts)
    return text + " " + _("If your question is urgent, contact the civic centre directly.")


async def what_next(team: Team, ticket: Ticket, _: Gettext) -> Reply:
    now, hours = team.now(), team.hours_of(ticket.centre)
    hint = _("Meanwhile you can describe your question in more detail: everything you write here "
             "goes to the consultant. To return to the bot, press «End chat» or send /end.")
    if await team.workspace_problem(ticket.centre):
        text = unreachable(team, ticket, _)
    elif hours.is_open(now):
        position = await team.tickets.queue_position(ticket.id)
        text = _("Your request №{number} has been passed to the consultants of the civic centre. "
                 "A consultant will reply here, in this chat. Your place in the queue: "
                 "{position}.").format(number=ticket.id, position=position)
    else:
        text = _("Your request №{number} has been passed to the consultants of the civic centre and "
                 "is in the queue. They work {schedule} ({zone}), so a consultant will reply "
                 "{when}.").format(number=ticket.id, schedule=hours.describe(day_names(_)),
                                   zone=hours.utc_offset(now), when=when(hours, now, hours.next_opening(now), _))
        if hours.is_holiday(hours.local(now).date()):  # else a closed weekday looks like a mistake
            text = _("Today is a public holiday: the civic centre is closed.") + " " + text
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
    await turns.offer(team, ticket)
    return [await what_next(team, ticket, _)]
