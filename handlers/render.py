"""Channel-neutral replies: answers, menus and choices built from the knowledge base."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Mapping
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from handlers.i18n import LANGUAGES, Gettext
from handlers.types import Button, Reply
from handlers.working_hours import DEFAULT_TIMEZONE
from knowledge import Action, Entry, KnowledgeBase, mci

# Button data. Short, ASCII and well under Telegram's 64-byte callback limit.
MENU = "menu"
REMINDERS = "rem"  # the reminders' overview (handlers.subscriptions)
HUMAN = "human"
NONE_OF_THESE = "none"
CATEGORY = "cat:"
TOPIC = "topic:"
FEEDBACK = "fb:"
LANGUAGE = "lang:"
END_CHAT = "end"
RATE = "rate:"  # rate:<ticket>:<1-5>
KAZAKHSTAN = ZoneInfo(DEFAULT_TIMEZONE)  # the year of MCI amounts turns at midnight there
IN_LANGUAGE = "|"  # data|kk: the button belongs to a Kazakh reply and answers in Kazakh


def in_language(replies: list[Reply], lang: str, usual: str) -> list[Reply]:
    """The replies with each button marked with their language, so a press answers in it (a Kazakh
    answer's "Menu" opens the Kazakh menu for a user who chose Russian); unmarked when `lang` is
    the `usual` one an unmarked button is answered in."""
    if lang == usual:
        return replies
    return [Reply(r.text, tuple(tuple(Button(f"{b.data}{IN_LANGUAGE}{lang}", b.label) for b in row)
                                for row in r.buttons)) for r in replies]


def pressed_language(data: str) -> tuple[str, str | None]:
    """A button's data without its language mark, and that language (None: an unmarked button)."""
    bare, mark, lang = data.rpartition(IN_LANGUAGE)
    return (bare, lang) if mark and lang in LANGUAGES else (data, None)


def language_choice(_: Gettext) -> Reply:
    return Reply(_("Choose the language of the desk:"),
                 ((Button(f"{LANGUAGE}kk", "Қазақ тілі"), Button(f"{LANGUAGE}ru", "Русский язык")),))


def main_menu(base: KnowledgeBase, lang: str, _: Gettext, reminders: bool = False) -> Reply:
    """The topics, then "Reminders" where the desk sends them, then a consultant."""
    rows = [(Button(f"{CATEGORY}{c.id}", c.title[lang]),) for c in base.menu_categories()]
    if reminders:
        rows.append((Button(REMINDERS, _("🔔 Reminders")),))
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


def answer_text(entry: Entry, lang: str, amounts: Amounts) -> str:
    """The entry's answer in one language, MCI amounts shown for the current year."""
    return mci.render(entry.answer[lang], lang, amounts.year, amounts.mci)  # type: ignore[arg-type]


ENTRY_TEXTS = 4096  # entry texts kept: entries x languages x the years and tables in force
_entry_texts: dict[tuple[int, str, Gettext, int, int], tuple[Entry, Mapping[int, int], str]] = {}


def entry_text(entry: Entry, lang: str, _: Gettext, amounts: Amounts) -> str:
    """`made_entry_text`, kept: an entry reads the same in one language, with the same words (`_`),
    in one year and by one MCI table, and the desk shows the same few answers again and again.
    Kept by the entry and the table themselves (a reloaded base's are others), not their ids alone."""
    key = (id(entry), lang, _, amounts.year, id(amounts.mci))
    kept = _entry_texts.get(key)
    if kept is not None and kept[0] is entry and kept[1] is amounts.mci:
        return kept[2]
    if len(_entry_texts) >= ENTRY_TEXTS:
        _entry_texts.clear()
    text = made_entry_text(entry, lang, _, amounts)
    _entry_texts[key] = (entry, amounts.mci, text)
    return text


def made_entry_text(entry: Entry, lang: str, _: Gettext, amounts: Amounts) -> str:
    """An entry as the user reads it: title, answer, its first legal source, a link and the date of its check."""
    parts = [f"*{entry.title[lang]}*", answer_text(entry, lang, amounts)]
    if entry.sources:
        source = entry.sources[0]
        cited = f"{source.act}, {source.article}" if source.article else source.act
        parts.append(_("Source: {source}").format(source=cited))
    if entry.link:
        parts.append(_("Read more: {link}").format(link=entry.link))
    if entry.action is Action.ANSWER:
        parts.append(_("Checked on {date}").format(date=entry.checked.strftime("%d.%m.%Y")))
    return "\n\n".join(parts)


def answer(entry: Entry, lang: str, question_id: int, _: Gettext, amounts: Amounts) -> Reply:
    """The entry's answer with its legal source, a link, the date of its check and the feedback buttons."""
    return Reply(entry_text(entry, lang, _, amounts), feedback(question_id, _))


def feedback(question_id: int, _: Gettext) -> tuple[tuple[Button, ...], ...]:
    """The buttons under an answer: was it helpful, a consultant, the menu."""
    prefix = f"{FEEDBACK}{question_id}"
    helpful, not_helpful, onward = _feedback_words(_)
    return ((Button(f"{prefix}:y", helpful), Button(f"{prefix}:n", not_helpful)), onward)


@functools.lru_cache(maxsize=16)  # one per language: under every answer, the same words
def _feedback_words(_: Gettext) -> tuple[str, str, tuple[Button, Button]]:
    return _("👍 Helpful"), _("👎 Not helpful"), (Button(HUMAN, _("Ask a consultant")), Button(MENU, _("Menu")))


def decline(entry: Entry, lang: str, _: Gettext, amounts: Amounts) -> Reply:
    """A neighbouring topic that is not ours: why, and the official page its text points to."""
    parts = [answer_text(entry, lang, amounts)]
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
