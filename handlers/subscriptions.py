"""Deadline reminders, the user's side: subscribe to a stream, see and change it, stop it.

Consent is explicit: the button that subscribes sits under a text saying what
will be sent, how often, where and how to stop, and nothing is sent for a
stream the user did not press. Reached from an answer on a topic with
deadlines, the menu's "Reminders", `/remind` or the word; "стоп" stops every
reminder. WhatsApp may carry them only with an approved template; without one
its users are told so at once (and given the Telegram bot where there is one).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from handlers import region, render
from handlers.i18n import Gettext, Translator
from handlers.ports import Clock, Subscription, SubscriptionStore, UserRecord
from handlers.types import Button, Channel, Reply
from knowledge.calendar import Calendar, Event, Stream
from knowledge.regions import Regions

STREAM = "rem:s:"  # rem:s:<stream>: what the stream's reminders are, and the consent buttons
YES = "rem:y:"  # rem:y:<stream>:all|reg: subscribe (all regions, or only the user's)
STOP = "rem:n:"  # rem:n:<stream>, or rem:n:* for every stream
ALL = "*"
COMMANDS = frozenset({"remind", "reminders", "eskertu"})
WORDS = frozenset({"ескерту", "ескертулер", "напоминания", "напоминание", "eskertu", "reminders", "remind"})
STOP_WORDS = frozenset({"стоп", "тоқта", "токта", "toqta", "stop"})
WORD_LANGUAGE = {"ескерту": "kk", "ескертулер": "kk", "тоқта": "kk", "токта": "kk", "напоминания": "ru",
                 "напоминание": "ru", "стоп": "ru"}


@dataclass(frozen=True)
class Reach:
    """The channels a reminder can reach, and where WhatsApp users may subscribe instead."""

    channels: frozenset[Channel]
    telegram_link: str = ""


def days_text(offsets: tuple[int, ...]) -> str:
    return ", ".join(str(n) for n in sorted(set(offsets), reverse=True))


def stop_button(_: Gettext) -> Button:
    return Button(f"{STOP}{ALL}", _("🔕 Stop reminders"))


def reminder(event: Event, stream: Stream, occurrence: dt.date, today: dt.date, lang: str, _: Gettext) -> Reply:
    """The reminder itself, as every channel shows it (WhatsApp's template takes `flat_text`)."""
    head = _("🔔 Reminder: *{title}*. Deadline: {date}. Days left: {days}.").format(
        title=event.title[lang], date=occurrence.strftime("%d.%m.%Y"), days=(occurrence - today).days)
    why = _("You get this because you subscribed to «{stream}». To stop, press the button or write «стоп».").format(
        stream=stream.name[lang])
    parts = [head, event.text[lang], _("Read more: {link}").format(link=event.link), why]
    return Reply("\n\n".join(parts), ((stop_button(_),),))


def flat_text(event: Event, occurrence: dt.date, lang: str) -> str:
    """The event on one line, for a template's parameter (no line breaks allowed there)."""
    return " ".join(f"{event.title[lang]}, {occurrence:%d.%m.%Y}. {event.text[lang]} {event.link}".split())


class Reminders:
    """The subscription conversation; the desk hands it the reminder buttons, words and commands."""

    def __init__(self, store: SubscriptionStore, calendar: Callable[[], Calendar], reach: Reach,
                 regions: Regions | None, clock: Clock, zone: ZoneInfo) -> None:
        self.store = store
        self.calendar = calendar  # read on each use: curators' edits apply without a restart
        self.reach = reach
        self.regions = regions  # None: the desk does not know regions, so no "only my region"
        self.clock = clock
        self.zone = zone

    def offer(self, entry_id: str, _: Gettext) -> tuple[Button, ...]:
        """The button under an answer on a topic with deadlines (none for other topics)."""
        stream = self.calendar().stream_of(entry_id)
        return (Button(f"{STREAM}{stream.id}", _("🔔 Deadline reminders")),) if stream else ()

    def is_ours(self, data: str) -> bool:
        return data == render.REMINDERS or data.startswith((STREAM, YES, STOP))

    async def overview(self, user: UserRecord, lang: str, _: Gettext) -> Reply:
        calendar = self.calendar()
        mine = {s.stream for s in await self.store.subscriptions(user.id)}
        names = [s.name[lang] for s in calendar.streams if s.id in mine]
        status = (_("You get reminders of: {streams}.").format(streams=", ".join(names)) if names
                  else _("You have no reminders yet."))
        text = "\n\n".join([_("*Deadline reminders*"), status, _(
            "Choose a topic to see its deadlines and subscribe. I write only a few days before each "
            "deadline, nothing else; to stop, press «Stop reminders» or write «стоп».")])
        rows = [(Button(f"{STREAM}{s.id}", f"{'✅' if s.id in mine else '🔔'} {s.name[lang]}"),)
                for s in calendar.streams]
        if mine:
            rows.append((Button(f"{STOP}{ALL}", _("🔕 Stop all reminders")),))
        return Reply(text, (*rows, (Button(render.MENU, _("Menu")),)))

    async def choice(self, user: UserRecord, lang: str, data: str, _: Gettext) -> list[Reply]:
        if data.startswith(STREAM):
            return [await self._stream(user, lang, data[len(STREAM):], _)]
        if data.startswith(YES):
            stream_id, _sep, scope = data[len(YES):].rpartition(":")
            if scope == "reg" and self.regions is not None and user.region is None:
                return [self._ask_region(stream_id, lang, _)]
            return [await self.subscribe(user, lang, stream_id, scope == "reg", _)]
        if data.startswith(STOP):
            return [await self._stop(user, lang, data[len(STOP):], _)]
        return [await self.overview(user, lang, _)]

    async def said(self, user: UserRecord, lang: str, text: str, translator: Translator) -> list[Reply] | None:
        """The word for reminders opens them; "стоп" from a subscriber stops them all; None for anything else.

        A user who chose no language yet is answered in the word's own."""
        word = text.lower().strip(" .!?«»\"")
        if word not in WORDS and word not in STOP_WORDS:
            return None
        lang = WORD_LANGUAGE.get(word, lang) if user.lang is None else lang
        _ = translator(lang)
        if word in WORDS:
            return [await self.overview(user, lang, _)]
        if not await self.store.subscriptions(user.id):
            return None
        return [await self._stop(user, lang, ALL, _)]

    async def subscribe(self, user: UserRecord, lang: str, stream_id: str, own_region: bool,
                        _: Gettext) -> Reply:
        """Store the consent the pressed button gave, and say what comes next."""
        calendar = self.calendar()
        stream = calendar.stream(stream_id)
        if stream is None or user.channel not in self.reach.channels:
            return await self.overview(user, lang, _)
        own_region = own_region and user.region is not None
        await self.store.subscribe(user.id, Subscription(stream.id, own_region))
        offsets = tuple(n for e in calendar.of_stream(stream.id) for n in e.offsets) or (30, 7, 1)
        parts = [_("Done: I will remind you of «{stream}» {days} days before each deadline.").format(
            stream=stream.name[lang], days=days_text(offsets))]
        if own_region and self.regions is not None and (found := self.regions.get(user.region or "")):
            parts.append(_("Only the deadlines of the whole country and of your region: {region}.").format(
                region=found.name[lang]))
        parts.append(self._next(calendar, stream, lang, _))
        return Reply("\n\n".join(parts), self._way_on(_))

    # -- screens -------------------------------------------------------------------
    async def _stream(self, user: UserRecord, lang: str, stream_id: str, _: Gettext) -> Reply:
        calendar = self.calendar()
        stream = calendar.stream(stream_id)
        if stream is None:
            return await self.overview(user, lang, _)
        if user.channel not in self.reach.channels:
            return self._unavailable(user, _)
        subscribed = any(s.stream == stream.id for s in await self.store.subscriptions(user.id))
        offsets = tuple(n for e in calendar.of_stream(stream.id) for n in e.offsets) or (30, 7, 1)
        parts = [f"*{stream.name[lang]}*", _(
            "I will send you a short message {days} days before each deadline of this topic, in this "
            "chat and in this language. Nothing else.").format(days=days_text(offsets)),
                 self._next(calendar, stream, lang, _),
                 _("To stop, press «Stop reminders» under a reminder or write «стоп».")]
        back = (Button(render.REMINDERS, _("« Back")),)
        if subscribed:
            parts.insert(1, _("You are subscribed."))
            return Reply("\n\n".join(parts), ((Button(f"{STOP}{stream.id}", _("🔕 Stop these")),), back))
        rows = [(Button(f"{YES}{stream.id}:all", _("✅ Remind me")),)]
        if self.regions is not None:
            rows.append((Button(f"{YES}{stream.id}:reg", _("📍 Only my region")),))
        return Reply("\n\n".join(parts), (*rows, back))

    def _next(self, calendar: Calendar, stream: Stream, lang: str, _: Gettext) -> str:
        today = self.clock().astimezone(self.zone).date()
        upcoming = calendar.upcoming(stream.id, today)[:3]
        if not upcoming:
            return _("No dates in the calendar yet: the civic centre adds calls when they are announced.")
        lines = [f"• {day:%d.%m.%Y}: {event.title[lang]}" for event, day in upcoming]
        return "\n".join([_("Next deadlines:"), *lines])

    def _ask_region(self, stream_id: str, lang: str, _: Gettext) -> Reply:
        assert self.regions is not None
        choice = region.ask(self.regions, lang, region.Then.REMIND, _, stream_id)
        return Reply(_("Which region are you in? I will remind you of its deadlines and of the whole "
                       "country's."), choice.buttons)

    def _unavailable(self, user: UserRecord, _: Gettext) -> Reply:
        if user.channel is not Channel.WHATSAPP:
            return render.consultant_offer(_("Reminders cannot be sent to this chat."), _)
        text = _("WhatsApp lets me write first only with a message template, and this desk has none yet, "
                 "so reminders cannot reach you here.")
        if self.reach.telegram_link and Channel.TELEGRAM in self.reach.channels:
            text += "\n\n" + _("You can subscribe in our Telegram bot instead: {link}").format(
                link=self.reach.telegram_link)
        return Reply(text, ((Button(render.MENU, _("Menu")),),))

    async def _stop(self, user: UserRecord, lang: str, stream_id: str, _: Gettext) -> Reply:
        if stream_id == ALL:
            await self.store.stop(user.id)
            return Reply(_("Reminders stopped: I will not write to you about deadlines any more. To subscribe "
                           "again, open «Reminders» in the menu."), ((Button(render.MENU, _("Menu")),),))
        stream = self.calendar().stream(stream_id)
        await self.store.stop(user.id, stream_id)
        name = stream.name[lang] if stream else stream_id
        return Reply(_("Reminders of «{stream}» stopped.").format(stream=name), self._way_on(_))

    @staticmethod
    def _way_on(_: Gettext) -> tuple[tuple[Button, ...], ...]:
        return ((Button(render.REMINDERS, _("🔔 Reminders")), Button(render.MENU, _("Menu"))),)
