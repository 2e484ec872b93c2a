"""`/transfer <centre>` in a ticket's topic: the ticket goes to another centre's consultants.

The old topic gets a last line saying where the ticket went and is closed; the
other centre's group gets a new topic with the card and the conversation so far
(the workspace makes a topic anew that way); the user is told in their own
language, and their next message goes to the new topic. In the new group the
ticket is offered in turn like a new one.
"""

from __future__ import annotations

from handlers import turns
from handlers.centres import CentreDirectory
from handlers.i18n import Gettext
from handlers.ports import Direction, Relay, RelayKind, Ticket
from handlers.team import Team
from handlers.types import ConsultantMessage, Reply
from knowledge.centres import Centre


def listing(directory: CentreDirectory, lang: str, _: Gettext) -> Reply:
    lines = [_("Centres a ticket can go to (send /transfer and the centre's id):")]
    for centre in directory.centres.centres:
        line = f"{centre.id}: {centre.name[lang]}"
        if not directory.takes_tickets(centre.id):
            line += " " + _("(no consultants' group: its tickets go to the national group)")
        lines.append(line)
    return Reply("\n".join(lines))


def _refusal(team: Team, directory: CentreDirectory, ticket: Ticket, wanted: str, _: Gettext) -> Reply | None:
    """Why the ticket cannot go to `wanted`, in one line; None when it can."""
    target = directory.centres.get(wanted)
    if target is None:
        return Reply(_("There is no centre «{centre}». Send /transfer to see the list of centres.")
                     .format(centre=wanted))
    name = target.name[team.consultant_lang]
    if not directory.takes_tickets(target.id):
        return Reply(_("{name} has no consultants' group of its own: transfer the ticket to «{national}», "
                       "or ask the operator to add the centre's group to centres.yaml.")
                     .format(name=name, national=directory.centres.national.id))
    if not ticket.is_open:
        return Reply(_("The ticket is closed. Send /reopen first."))
    if directory.group(target.id) == directory.group(ticket.centre):
        return Reply(_("This group already takes the tickets of {name}: there is nowhere to move it.")
                     .format(name=name))
    return None


async def transfer(team: Team, ticket: Ticket, message: ConsultantMessage, _: Gettext) -> list[Reply]:
    directory = team.centres
    if directory is None:
        return [Reply(_("This desk has a single group of consultants: there is nowhere to transfer the ticket."))]
    wanted = message.args.strip().lower()
    if not wanted:
        return [listing(directory, team.consultant_lang, _)]
    refused = _refusal(team, directory, ticket, wanted, _)
    target = directory.centres.get(wanted)
    if refused is not None or target is None:
        return [refused] if refused is not None else []
    moved = await team.tickets.transfer(ticket.id, target.id)
    if moved is None:  # closed meanwhile
        return [Reply(_("The ticket is closed. Send /reopen first."))]
    await _announce(team, ticket, moved, target, message.author, _)
    await turns.offer(team, moved)
    return []  # the old topic's last word is the outbox's, so it comes before the topic closes


async def _announce(team: Team, before: Ticket, moved: Ticket, target: Centre, author: str, _: Gettext) -> None:
    directory = team.centres
    assert directory is not None
    staff = team.consultant_lang
    old = directory.centres.get(before.centre) or directory.centres.national
    await team.outbox.put(Relay(moved.id, Direction.TO_CONSULTANTS, RelayKind.MOVED, _(
        "{author} transferred the ticket to {centre}. This topic is closed: the conversation goes on in "
        "that centre's group.").format(author=author, centre=target.name[staff])))
    await team.outbox.put(Relay(moved.id, Direction.TO_CONSULTANTS, RelayKind.CARD))
    await team.notice(moved.id, _("Transferred here from {centre} by {author}.").format(
        centre=old.name[staff], author=author))
    await team.to_user(moved.id, told(moved.id, target.name[moved.lang], team.translator(moved.lang)))


def told(number: int, centre: str, _: Gettext) -> str:
    """What the user reads, in their language, when their request goes to another centre."""
    return _("Your request №{number} has been passed to the consultants of {centre}. They will reply here, "
             "in this chat.").format(number=number, centre=centre)
