"""What consultants read about a ticket: the topic's name, its card, reminders.

Built fresh whenever the workspace needs them (a new or recreated topic, a
taken ticket), so the card always shows the current assignee and reply window.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass

from handlers.i18n import Gettext
from handlers.ports import LoggedQuestion, Ticket
from handlers.team import Team
from handlers.types import Channel

TITLE_LIMIT = 128  # a Telegram forum topic's name
QUOTE_LIMIT = 200  # a question quoted on the card
LATE_MARK = "⚠️"  # starts the topic name of a ticket flagged late (handlers.sla)
CHANNEL_NAMES = {Channel.TELEGRAM: "Telegram", Channel.WHATSAPP: "WhatsApp", Channel.TERMINAL: "Terminal"}


@dataclass(frozen=True)
class TopicCard:
    title: str
    text: str


def plain(text: str) -> str:
    """A user's or consultant's words fit for a title or a card line: no control or format
    characters (bidirectional overrides, zero-width marks), no line breaks, and no `*`,
    the one mark the desk's text format gives meaning to (HTML is escaped by the adapters)."""
    kept = (" " if unicodedata.category(c) in ("Cc", "Zl", "Zp") else "" if unicodedata.category(c) == "Cf"
            else "∗" if c == "*" else c for c in text)
    return " ".join("".join(kept).split())


def channel_name(channel: Channel) -> str:
    return CHANNEL_NAMES.get(channel, str(channel))


def topic_title(ticket: Ticket) -> str:
    """"№12 · kk · WhatsApp · Айгерім": findable in the list of topics by any of them."""
    title = f"№{ticket.id} · {ticket.lang} · {channel_name(ticket.channel)} · {plain(ticket.name) or ticket.chat_id}"
    if ticket.sla_flagged_at is not None and ticket.first_reply_at is None and ticket.is_open:
        # late for its first reply, and still waiting for it: seen in the list of topics
        title = f"{LATE_MARK} {title}"
    return title[:TITLE_LIMIT]


def duration(span: dt.timedelta, _: Gettext) -> str:
    minutes = max(0, int(span.total_seconds()) // 60)
    hours, minutes = divmod(minutes, 60)
    if hours:
        return _("{hours} h {minutes} min").format(hours=hours, minutes=minutes)
    return _("{minutes} min").format(minutes=minutes)


def _decision(question: LoggedQuestion, _: Gettext) -> str:
    labels = {
        "answer": _("answered"),
        "clarify": _("asked to clarify"),
        "fallback": _("no answer"),
        "smalltalk": _("small talk"),
        "escalate": _("asked for a consultant"),
        "menu": _("opened from the menu"),
    }
    label = labels.get(question.decision, question.decision)
    return f"{label}: {question.topic}" if question.topic else label


def _history(ticket: Ticket, _: Gettext) -> list[str]:
    asked = [q for q in ticket.history if not q.text.startswith("[button]")]
    if not asked:
        return [_("No questions before the request.")]
    lines = [_("Recent questions:")]
    for number, question in enumerate(asked, 1):
        text = plain(question.text)
        quote = text if len(text) <= QUOTE_LIMIT else text[:QUOTE_LIMIT - 1] + "…"
        lines.append(f"{number}. «{quote}» → {_decision(question, _)}")
    return lines


def window_line(team: Team, ticket: Ticket, _: Gettext) -> str | None:
    """How long free replies are still possible, on channels that limit them."""
    window = team.reply_windows.get(ticket.channel)
    if window is None:
        return None
    left = ticket.last_user_message_at + window - team.now()
    if left <= dt.timedelta():
        return _("Reply window: closed; replies are held until the user writes again.")
    return _("Reply window: {left} left.").format(left=duration(left, _))


def card_text(team: Team, ticket: Ticket) -> str:
    _ = team.staff()
    lines = [_("*Ticket №{number}*").format(number=ticket.id),
             _("Channel: {channel}").format(channel=channel_name(ticket.channel)),
             _("Language: {lang}").format(lang=ticket.lang),
             _("Name: {name}").format(name=plain(ticket.name) or "—")]
    if ticket.channel is Channel.WHATSAPP:
        lines.append(_("Phone: {phone}").format(phone=f"+{ticket.chat_id.lstrip('+')}"))
    elif ticket.handle:
        lines.append(_("Username: {handle}").format(handle=plain(ticket.handle)))
    if not ticket.is_open:
        lines.append(_("Status: closed."))
    elif ticket.assignee:
        lines.append(_("Consultant: {name}").format(name=plain(ticket.assignee)))
    else:
        lines.append(_("Consultant: not assigned yet"))
    window = window_line(team, ticket, _)
    if window and ticket.is_open:
        lines.append(window)
    lines += ["", *_history(ticket, _), "",
              _("Commands: /take: assign to me; /close: close and ask the user for a rating; "
                "/reopen; /note text: an internal note. Everything else you write here is sent "
                "to the user.")]
    return "\n".join(lines)


async def card(team: Team, ticket_id: int) -> TopicCard | None:
    """The topic name and card of a ticket, as of now; None for an unknown ticket."""
    ticket = await team.tickets.get(ticket_id)
    if ticket is None:
        return None
    return TopicCard(topic_title(ticket), card_text(team, ticket))


def reminder_text(team: Team, ticket: Ticket) -> str:
    _ = team.staff()
    return _("⏰ Ticket №{number} ({channel}, {name}) has been waiting for a consultant for "
             "{waited}. Take it with /take in its topic.").format(
        number=ticket.id, channel=channel_name(ticket.channel), name=plain(ticket.name) or ticket.chat_id,
        waited=duration(team.now() - ticket.created_at, _))
