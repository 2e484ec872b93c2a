"""The relay: while a ticket is open the user talks to a consultant, not to the matcher.

User -> consultants: text and files go to the ticket's workspace. Consultant ->
user: text goes to the user's own channel, signed by the civic centre. The
user ends the chat with the button, /end or a stop word, and rates it 1-5.
Deliveries that did not simply go out come back here as reports, so the
consultant always learns what happened to a reply.
"""

from __future__ import annotations

from handlers import render, sla
from handlers.cards import channel_name
from handlers.escalation import already_open
from handlers.i18n import Gettext
from handlers.ports import DeliveryReport, Direction, Flood, Relay, RelayKind, Ticket, UserRecord
from handlers.team import Team
from handlers.types import Inbound, InboundKind, Reply

# A message that is only one of these ends the chat (WhatsApp has no commands).
STOP_WORDS = frozenset({"стоп", "stop", "end", "/end", "/stop", "тоқта", "токта", "аяқтау", "аяктау",
                        "завершить", "закончить"})
END_COMMANDS = frozenset({"end", "stop"})


def is_end(inbound: Inbound) -> bool:
    if inbound.kind is InboundKind.CHOICE:
        return inbound.text == render.END_CHAT
    if inbound.kind is InboundKind.COMMAND:
        return inbound.text.lower() in END_COMMANDS
    return inbound.kind is InboundKind.TEXT and inbound.text.lower().strip(" .!") in STOP_WORDS


def rating_request(ticket_id: int, text: str, _: Gettext) -> Reply:
    return render.rating(f"{text}\n\n" + _("Please rate the consultant's help from 1 to 5:"), ticket_id)


async def intercept(team: Team, user: UserRecord, lang: str, inbound: Inbound) -> list[Reply] | None:
    """The replies when a ticket decides them (a rating, an open chat); None lets the bot answer."""
    _ = team.translator(lang)
    if inbound.kind is InboundKind.CHOICE and inbound.text.startswith(render.RATE):
        return await _rate(team, user, inbound.text[len(render.RATE):], _)
    ticket = await team.tickets.open_of_user(user.id)
    if ticket is None:
        if inbound.kind is InboundKind.CHOICE and inbound.text == render.END_CHAT:
            return [Reply(_("This chat with a consultant has already ended. Ask me a question or "
                            "open the menu."), ((render.Button(render.MENU, _("Menu")),),))]
        return None
    await team.tickets.touch(ticket.id, team.now())  # any message opens the channel's reply window again
    if is_end(inbound):
        return await end_chat(team, ticket, _)
    if inbound.kind in (InboundKind.CHOICE, InboundKind.COMMAND):
        return [already_open(ticket, _)]
    await forward(team, ticket, inbound)
    return await _pace(team, ticket, _)


async def forward(team: Team, ticket: Ticket, inbound: Inbound) -> None:
    """The user's message to the ticket's workspace: text as it is, files copied or announced."""
    if inbound.kind is not InboundKind.MEDIA:
        if inbound.text.strip():  # Telegram refuses an empty message
            await team.outbox.put(Relay(ticket.id, Direction.TO_CONSULTANTS, RelayKind.TEXT, inbound.text))
        return
    _ = team.staff()
    media = media_name(inbound.media_type, _)
    text = (_("📎 The user sent {media} with the caption: {caption}").format(media=media, caption=inbound.text)
            if inbound.text else _("📎 The user sent {media}.").format(media=media))
    await team.outbox.put(Relay(ticket.id, Direction.TO_CONSULTANTS, RelayKind.MEDIA, text,
                                media_type=inbound.media_type, source_id=inbound.message_id))


async def _pace(team: Team, ticket: Ticket, _: Gettext) -> list[Reply]:
    """A user writing faster than the consultants can read is told once that nothing is lost."""
    if team.pace is None or await team.pace.check(f"ticket:{ticket.id}") is not Flood.NOTIFY:
        return []
    return [Reply(_("You are writing very often. Don't worry: every message you send reaches the "
                    "consultant, who sees them all. Please wait for their reply."))]


def media_name(media_type: str, _: Gettext) -> str:
    """What kind of file the user sent, for a consultant who cannot see it."""
    names = {"photo": _("a photo"), "image": _("a photo"), "document": _("a document"),
             "voice": _("a voice message"), "audio": _("an audio file"), "video": _("a video"),
             "video_note": _("a video"), "sticker": _("a sticker"), "location": _("a location")}
    return names.get(media_type, _("a file"))


def attached_note(team: Team, length: int) -> str:
    """Under the start of a message too long for one post, whose whole text comes as a file."""
    _ = team.staff()
    return _("📄 The whole message ({length} characters) is in the attached file.").format(length=length)


def _ended(_: Gettext) -> str:
    return _("The user ended the chat. The ticket is closed.")


def _rated(rating: str, _: Gettext) -> str:
    return _("The user rated the consultation: {rating} of 5.").format(rating=rating)


def signed(text: str, _: Gettext) -> str:
    """A consultant's words as the user reads them: from the civic centre, not from a bot."""
    return _("*Civic centre consultant:*\n{text}").format(text=text)


async def end_chat(team: Team, ticket: Ticket, _: Gettext) -> list[Reply]:
    closed = await team.tickets.close(ticket.id, "user", team.now())
    if closed is not None:
        await sla.closed(team, closed)
        await team.notice(ticket.id, _ended(team.staff()))
        await team.refresh_card(ticket.id)
    return [rating_request(ticket.id, _("The chat with the consultant has ended. I answer your "
                                        "questions again."), _)]


async def _rate(team: Team, user: UserRecord, payload: str, _: Gettext) -> list[Reply]:
    ticket_id, _sep, value = payload.partition(":")
    stale = [Reply(_("This button is out of date. Here is the current menu."))]
    if not (ticket_id.isascii() and ticket_id.isdigit() and value in ("1", "2", "3", "4", "5")):
        return stale
    if not await team.tickets.rate(int(ticket_id), user.id, int(value), team.now()):
        ticket = await team.tickets.get(int(ticket_id))
        if ticket is not None and ticket.user_id == user.id and ticket.rating is not None:
            return [Reply(_("You have already rated this chat: {rating} of 5. Thank you!").format(
                rating=ticket.rating))]
        return stale
    await team.notice(int(ticket_id), _rated(value, team.staff()))
    return [Reply(_("Thank you for your rating!"))]


async def take(team: Team, ticket: Ticket, author: str, author_id: str = "") -> Reply:
    """Assign the ticket; the card in the topic shows who (and their turns count it)."""
    _ = team.staff()
    await team.tickets.assign(ticket.id, author, team.now(), author_id)
    await team.refresh_card(ticket.id)
    return Reply(_("{name} took the ticket.").format(name=author))


async def from_consultant(team: Team, ticket: Ticket, author: str, text: str, author_id: str = "") -> list[Reply]:
    """A consultant's text for the user; the first one to answer takes the ticket (and answers it in time)."""
    _ = team.staff()
    if not ticket.is_open:
        return [Reply(_("The ticket is closed: this message was not sent to the user. "
                        "Send /reopen to continue the chat."))]
    replies = [] if ticket.assignee else [await take(team, ticket, author, author_id)]
    await team.to_user(ticket.id, signed(text, team.translator(ticket.lang)), author=author)
    await sla.answered(team, ticket.id)
    return replies


async def report(team: Team, ticket_id: int, outcome: DeliveryReport, detail: str = "") -> None:
    """Tell the consultants what happened to a message for the user that did not simply go out."""
    ticket = await team.tickets.get(ticket_id)
    if ticket is None or outcome is DeliveryReport.HELD_STILL_BLOCKED:  # the consultant knows already
        return
    _ = team.staff()
    channel = channel_name(ticket.channel)
    texts = {
        DeliveryReport.HELD_INVITED: _(
            "⏳ The user's {channel} reply window has closed, so the reply is held. The user was "
            "sent the approved template inviting them to write back; held replies are delivered "
            "as soon as they write."),
        DeliveryReport.HELD_ALREADY_INVITED: _(
            "⏳ The reply window is still closed: this reply is held too. The user has already "
            "been invited to write back."),
        DeliveryReport.HELD_NO_TEMPLATE: _(
            "⚠️ The user's {channel} reply window has closed and no invitation template is "
            "configured, so the reply is held: it is delivered only if the user writes again."),
        DeliveryReport.HELD_INVITE_FAILED: _(
            "⚠️ The user's {channel} reply window has closed and the invitation template could "
            "not be sent ({error}). The reply is held: it is delivered only if the user writes again."),
        DeliveryReport.HELD_USER_BLOCKED: _(
            "⏸ The user has blocked the bot, so the reply is held. Held replies are delivered as soon as "
            "the user unblocks the bot and writes again."),
        DeliveryReport.DELIVERED_AFTER_HOLD: _("✅ The user wrote back: a held reply was delivered."),
        DeliveryReport.FAILED: _("⚠️ The reply could not be delivered to the user: {error}"),
    }
    await team.notice(ticket_id, texts[outcome].format(channel=channel, error=detail or "?"))
