"""The consultants' side of a ticket: commands in its topic, and text for the user.

/take assigns the ticket, /close ends it and asks the user for a rating,
/reopen brings it back, /note keeps an internal note. Anything else a
consultant writes goes to the user. Replies returned here go back into the
topic only.
"""

from __future__ import annotations

from handlers import canned, faq, relay, render, sla, transfer, turns
from handlers.i18n import Gettext
from handlers.ports import Direction, Relay, RelayKind, Ticket
from handlers.team import Team
from handlers.types import ConsultantMessage, InboundKind, Person, Reply


async def handle(team: Team, message: ConsultantMessage) -> list[Reply]:
    ticket = await team.tickets.get(message.ticket_id)
    if ticket is None:
        return []
    _ = team.staff()
    if message.kind is InboundKind.COMMAND:
        return await _command(team, ticket, message, _)
    if message.kind is InboundKind.CHOICE:
        return await canned.pick(team, ticket, message.author, message.text, _)
    if message.kind is InboundKind.MEDIA or not message.text.strip():
        return [Reply(_("Only text messages reach the user: this one was not sent."))]
    return await relay.from_consultant(team, ticket, message.author, message.text, message.author_id)


async def _command(team: Team, ticket: Ticket, message: ConsultantMessage, _: Gettext) -> list[Reply]:
    name = message.text.lower()
    if name == "take":
        return await _take(team, ticket, message, _)
    if name == "transfer":
        return await transfer.transfer(team, ticket, message, _)
    if name in turns.COMMANDS:
        person = Person(message.author_id, message.author, message.author_handle)
        return await turns.command(team, team.answering(ticket.centre), person, name)
    if name == "close":
        return await _close(team, ticket, message.author, _)
    if name == "reopen":
        return await _reopen(team, ticket, message.author, _)
    if name == "note":
        return await _note(team, ticket, message, _)
    if name == "faq":
        return await faq.faq(team, ticket, message, _)
    if name == "kb":
        return await canned.search(team, ticket, message.author, message.args, _)
    return [Reply(_("Commands in a ticket topic: /take: assign the ticket to me; /close: close it and "
                    "ask the user for a rating; /reopen: reopen it; /note text: an internal note. "
                    "Everything else you write here is sent to the user.")),
            Reply(_("/kb words: send the user an answer from the knowledge base; /faq (optionally in "
                    "reply to your answer): propose your answer as a new entry.")),
            Reply(turns.help_line(_))]


def closed(ticket_id: int, _: Gettext) -> Reply:
    """What the user reads when a consultant closes the ticket: thanks, and the rating."""
    return relay.rating_request(ticket_id, _(
        "The consultant has closed your request №{number}. Thank you for contacting the civic "
        "centre! I answer your questions again.").format(number=ticket_id), _)


def reopened(ticket_id: int, _: Gettext) -> Reply:
    return render.end_chat(_("A consultant has reopened your request №{number}: everything you "
                             "write here goes to them again. To return to the bot, press "
                             "«End chat» or send /end.").format(number=ticket_id), _)


async def _take(team: Team, ticket: Ticket, message: ConsultantMessage, _: Gettext) -> list[Reply]:
    if not ticket.is_open:
        return [Reply(_("The ticket is closed. Send /reopen first."))]
    return [await relay.take(team, ticket, message.author, message.author_id)]


async def _close(team: Team, ticket: Ticket, author: str, _: Gettext) -> list[Reply]:
    done = await team.tickets.close(ticket.id, "consultant", team.now())
    if done is None:
        return [Reply(_("The ticket is already closed."))]
    await sla.closed(team, done)
    closing = closed(ticket.id, team.translator(ticket.lang))
    await team.to_user(ticket.id, closing.text, closing.buttons, author)
    await team.refresh_card(ticket.id)
    return [Reply(_("Ticket closed by {name}. The user has been asked to rate the consultation.")
                  .format(name=author))]


async def _reopen(team: Team, ticket: Ticket, author: str, _: Gettext) -> list[Reply]:
    if ticket.is_open:
        return [Reply(_("The ticket is already open."))]
    if await team.tickets.reopen(ticket.id) is None:
        other = await team.tickets.open_of_user(ticket.user_id)
        return [Reply(_("The user already has another open ticket №{number}: this one cannot be "
                        "reopened.").format(number=other.id if other else "?"))]
    message = reopened(ticket.id, team.translator(ticket.lang))
    await team.to_user(ticket.id, message.text, message.buttons, author)
    await team.refresh_card(ticket.id)
    return [Reply(_("Ticket reopened by {name}.").format(name=author))]


async def _note(team: Team, ticket: Ticket, message: ConsultantMessage, _: Gettext) -> list[Reply]:
    if not message.args.strip():
        return [Reply(_("Write the note after the command: /note text"))]
    await team.outbox.put(Relay(ticket.id, Direction.NOTE, RelayKind.NOTE, message.args.strip(),
                                author=message.author))
    return [Reply(_("Note saved. It is never sent to the user."))]
