"""Channel-neutral replies: answers, menus and choices built from the knowledge base."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from handlers.i18n import Gettext
from handlers.types import Button, Reply
from handlers.working_hours import DEFAULT_TIMEZONE
from knowledge import Action, Entry, KnowledgeBase, mci

# Button data. Short, ASCII and well under Telegram's 64-byte callback limit.
MENU = "menu"
HUMAN = "human"
NONE_OF_THESE = "none"
CATEGORY = "cat:"
TOPIC = "topic:"
FEEDBACK = "fb:"
LANGUAGE = "lang:"
END_CHAT = "end"
RATE = "rate:"  # rate:<ticket>:<1-5>
KAZAKHSTAN = ZoneInfo(DEFAULT_TIMEZONE)  # the year of MCI amounts turns at midnight there


def language_choice(_: Gettext) -> Reply:
    return Reply(_("Choose the language of the desk:"),
                 ((Button(f"{LANGUAGE}kk", "Қазақ тілі"), Button(f"{LANGUAGE}ru", "Русский язык")),))


def main_menu(base: KnowledgeBase, lang: str, _: Gettext) -> Reply:
    rows = tuple((Button(f"{CATEGORY}{c.id}", c.title[lang]),) for c in base.menu_categories())
    return Reply(_("Choose a topic, or just type your question:"), (*rows, (Button(HUMAN, _("Ask a consultant")),)))


def category_menu(base: KnowledgeBase, category_id: str, lang: str, _: Gettext) -> Reply | None:
    category = next((c for c in base.menu_categories() if c.id == category_id), None)
    if category is None:
        return None
    rows = tuple((Button(f"{TOPIC}{e.id}", e.title[lang]),) for e in base.topics(category_id))
    return Reply(f"*{category.title[lang]}*", (*rows, (Button(MENU, _("« Back")),)))


@dataclass(frozen=True)
class Amounts:
    """What turns `{{mci:N}}` into tenge: the current year (from the desk's clock) and the MCI table."""

    year: int
    mci: Mapping[int, int]


def amounts_at(now: dt.datetime, table: Mapping[int, int]) -> Amounts:
    return Amounts(now.astimezone(KAZAKHSTAN).year, table)


def entry_text(entry: Entry, lang: str, amounts: Amounts) -> str:
    """The entry's answer in one language, MCI amounts shown for the current year."""
    return mci.render(entry.answer[lang], lang, amounts.year, amounts.mci)  # type: ignore[arg-type]


def answer(entry: Entry, lang: str, question_id: int, _: Gettext, amounts: Amounts) -> Reply:
    """The entry's answer with its legal source, a link, the date of its check and the feedback buttons."""
    parts = [f"*{entry.title[lang]}*", entry_text(entry, lang, amounts)]
    if entry.sources:
        source = entry.sources[0]
        cited = f"{source.act}, {source.article}" if source.article else source.act
        parts.append(_("Source: {source}").format(source=cited))
    if entry.link:
        parts.append(_("Read more: {link}").format(link=entry.link))
    if entry.action is Action.ANSWER:
        parts.append(_("Checked on {date}").format(date=entry.checked.strftime("%d.%m.%Y")))
    feedback = f"{FEEDBACK}{question_id}"
    buttons = (
        (Button(f"{feedback}:y", _("👍 Helpful")), Button(f"{feedback}:n", _("👎 Not helpful"))),
        (Button(HUMAN, _("Ask a consultant")), Button(MENU, _("Menu"))),
    )
    return Reply("\n\n".join(parts), buttons)


def decline(entry: Entry, lang: str, _: Gettext, amounts: Amounts) -> Reply:
    """A neighbouring topic that is not ours: why, and the official page its text points to."""
    parts = [entry_text(entry, lang, amounts)]
    if entry.link:
        parts.append(_("Read more: {link}").format(link=entry.link))
    return consultant_offer("\n\n".join(parts), _)


def clarify(candidates: tuple[Entry, ...], lang: str, _: Gettext) -> Reply:
    rows = tuple((Button(f"{TOPIC}{e.id}", e.title[lang]),) for e in candidates)
    return Reply(_("I am not sure I understood. Did you mean one of these?"),
                 (*rows, (Button(NONE_OF_THESE, _("None of these")),)))


def consultant_offer(text: str, _: Gettext) -> Reply:
    return Reply(text, ((Button(HUMAN, _("Ask a consultant")), Button(MENU, _("Menu"))),))


def end_chat(text: str, _: Gettext) -> Reply:
    """A message of a chat with a consultant, with the way back to the bot under it."""
    return Reply(text, ((Button(END_CHAT, _("End chat")),),))


def rating(text: str, ticket_id: int) -> Reply:
    """The 1-5 rating of a closed ticket: five buttons (a list on WhatsApp)."""
    return Reply(text, (tuple(Button(f"{RATE}{ticket_id}:{n}", f"{n} ★") for n in range(1, 6)),))
