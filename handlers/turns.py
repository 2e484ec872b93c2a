"""Whose turn: consultants say /present or /away, and each new ticket is offered to the next present one.

The turn goes round the present consultants of the group that takes the ticket
(the one offered a ticket longest ago first), skipping anyone who already holds
the centre's cap of open tickets. The offer mentions the consultant in the
ticket's topic, so a handoff is not missed in a busy group. With nobody present,
or everyone at the cap, the ticket simply waits: the reminder in the general
topic still comes, as for any ticket nobody took, and the tickets left waiting are offered as soon
as someone says /present. A consultant who says /away gives back the tickets offered to them that
they have not answered: each goes on to the next present consultant in turn, or waits, so no
ticket stays offered to someone who is not there. What they answered (or took) stays theirs.
"""

from __future__ import annotations

from handlers.i18n import Gettext
from handlers.ports import Direction, Relay, RelayKind, Ticket
from handlers.team import Team
from handlers.types import GroupMessage, Person, Reply

COMMANDS = frozenset({"present", "away"})


async def offer(team: Team, ticket: Ticket) -> Person | None:
    """Offer a new (or newly transferred) ticket to the consultant whose turn it is; None when it waits."""
    if team.presence is None:
        return None
    person = await team.presence.offer(ticket.id, team.answering(ticket.centre), team.limit_of(ticket.centre),
                                       team.now())
    if person is not None:
        _ = team.staff()
        text = _("ticket №{number} is offered to you in turn: reply here, or send /take. If you cannot, "
                 "another consultant can take it with /take.").format(number=ticket.id)
        await team.outbox.put(Relay(ticket.id, Direction.TO_CONSULTANTS, RelayKind.OFFER, text, person=person))
    return person


async def offer_waiting(team: Team, centre: str) -> None:
    """Someone became present: the centre's tickets nobody holds are offered, oldest first, while anyone has room."""
    for ticket in await team.tickets.list_open():
        waiting = not ticket.assignee and not ticket.consultant_id
        if waiting and team.answering(ticket.centre) == centre and await offer(team, ticket) is None:
            return


async def hand_on(team: Team, centre: str, person: Person) -> tuple[int, int]:
    """The consultant went away: their offered, unanswered tickets of `centre` go on in turn.

    Returns how many were handed on to someone present and how many were left waiting."""
    handed = waiting = 0
    for ticket in await team.tickets.list_open():
        mine = ticket.consultant_id == person.id and not ticket.assignee and team.answering(ticket.centre) == centre
        released = await team.tickets.release(ticket.id, person.id) if mine else None
        if released is None:
            continue
        if await offer(team, released) is None:
            waiting += 1
        else:
            handed += 1
    return handed, waiting


def _names(people: list[Person]) -> str:
    return ", ".join(p.handle or p.name or p.id for p in people)


async def command(team: Team, centre: str, person: Person, name: str) -> list[Reply]:
    """/present or /away of one consultant in the group of `centre`; the reply says who is present now."""
    _ = team.staff()
    if team.presence is None:
        return [Reply(_("Turns are not enabled on this desk: take tickets with /take."))]
    if not person.id:
        return [Reply(_("I cannot tell who you are: send this command from your own account, not as the group."))]
    present = name == "present"
    await team.presence.set_present(centre, person, present, team.now())
    if present:
        await offer_waiting(team, centre)
        said = _("{name}, you are present: new tickets of this group are offered to you in turn, at most "
                 "{limit} open at once. Send /away when you leave.").format(name=person.name,
                                                                            limit=team.limit_of(centre))
    else:
        said = _("{name}, you are away: no new tickets are offered to you. Send /present when you are "
                 "back.").format(name=person.name)
        handed, waiting = await hand_on(team, centre, person)
        if handed or waiting:
            said += "\n" + _("Tickets offered to you and not answered: {handed} handed on to present "
                             "colleagues, {waiting} waiting for someone free.").format(handed=handed,
                                                                                      waiting=waiting)
    here = [p.person for p in await team.presence.roster(centre) if p.present]
    if here:
        return [Reply(said + "\n" + _("Present now: {names}.").format(names=_names(here)))]
    return [Reply(said + "\n" + _("Nobody is present now: new tickets wait and are reminded in the "
                                  "general topic."))]


async def in_group(team: Team, message: GroupMessage) -> list[Reply]:
    """A command written in the group outside any ticket's topic."""
    if message.command in COMMANDS:
        return await command(team, team.answering(message.centre), message.author, message.command)
    _ = team.staff()
    return [Reply(_("Here, outside a ticket's topic: /present: offer me new tickets in turn; /away: stop "
                    "offering them. In a ticket's topic, send /help for its commands."))]


def help_line(_: Gettext) -> str:
    return _("/transfer centre: move the ticket to another centre's group (/transfer alone lists the "
             "centres); /present, /away: whether new tickets are offered to you in turn.")
