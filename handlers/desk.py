"""The desk: one conversation, whatever the messenger."""

from __future__ import annotations

from dataclasses import replace

from handlers import consultant, escalation, region, regional, relay, render, subscriptions, turns
from handlers.centres import CentreDirectory
from handlers.i18n import LANGUAGES, Gettext, Translator
from handlers.ports import Clock, DeskStore, Flood, InboundLimiter, LoggedQuestion, UserRecord
from handlers.subscriptions import Reminders
from handlers.team import Team, utcnow
from handlers.types import ConsultantMessage, GroupMessage, Inbound, InboundKind, Reply
from knowledge import Decision, DecisionKind, Entry, Matcher

MAX_MATCHED_CHARS = 1000  # longer messages are matched on their beginning
# A message that is only one of these words opens the language choice (WhatsApp has no /lang).
LANGUAGE_WORDS = frozenset({"тіл", "тил", "til", "язык", "yazyk", "language", "lang"})


class Desk:
    """Turns an inbound event into replies, storing users, questions and feedback."""

    def __init__(self, matcher: Matcher, store: DeskStore, translator: Translator,
                 default_lang: str = "kk", limiter: InboundLimiter | None = None,
                 team: Team | None = None, clock: Clock = utcnow, centres: CentreDirectory | None = None,
                 reminders: Reminders | None = None) -> None:
        self.matcher = matcher
        self.base = matcher.base
        self.store = store
        self.translator = translator
        self.default_lang = default_lang
        self.limiter = limiter
        self.team = team  # None: no consultants connected, escalation says so
        self.clock = clock
        self.centres = centres  # None: one centre, no regions asked
        self.reminders = reminders  # None: the desk sends no deadline reminders (the terminal, `ask`)

    async def handle(self, inbound: Inbound) -> list[Reply]:
        user = await self.store.touch_user(inbound.channel, inbound.chat_id, inbound.name)
        usual = lang = user.lang or self._hinted_language(inbound.lang_hint)
        if inbound.kind is InboundKind.CHOICE:  # a button answers in the language of its reply
            data, pressed_in = render.pressed_language(inbound.text)
            inbound, lang = replace(inbound, text=data), pressed_in or lang
        if self.team is not None:  # an open ticket or a rating decides before the bot
            decided = await relay.intercept(self.team, user, lang, inbound)
            if decided is not None:  # relayed to the consultant, however fast the user writes
                return decided
        flood = await self.limiter.check(f"{inbound.channel}:{inbound.chat_id}") if self.limiter else Flood.ALLOW
        if flood is not Flood.ALLOW:
            return await self._over_limit(user, lang, inbound, flood)
        if inbound.kind is InboundKind.COMMAND:
            return await self._command(user, lang, inbound.text)
        if inbound.kind is InboundKind.CHOICE:
            replies = await self._choice(user, lang, inbound)
            chose_language = inbound.text.startswith(render.LANGUAGE)  # the new language is the usual one
            return replies if chose_language else render.in_language(replies, lang, usual)
        _ = self.translator(lang)
        if inbound.kind is InboundKind.MEDIA:
            return [Reply(_("I can read only text messages. Please type your question; "
                            "once a consultant takes your chat, you can send them files."))]
        return await self._question(user, lang, inbound)

    async def from_consultant(self, message: ConsultantMessage) -> list[Reply]:
        """A consultant's message in a ticket's workspace; the replies go back there."""
        return [] if self.team is None else await consultant.handle(self.team, message)

    async def in_group(self, message: GroupMessage) -> list[Reply]:
        """A consultant's command in the workspace outside a ticket (/present, /away)."""
        return [] if self.team is None else await turns.in_group(self.team, message)

    async def _over_limit(self, user: UserRecord, lang: str, inbound: Inbound, flood: Flood) -> list[Reply]:
        """A flooding user's text is kept in the log, unanswered; they are told once."""
        if inbound.kind is InboundKind.TEXT and inbound.text.strip():
            await self.store.log_question(user.id, LoggedQuestion(inbound.text, lang, "limited", None, 0.0))
        if flood is Flood.SILENT:
            return []
        _ = self.translator(lang)
        return [Reply(_("You are sending messages too quickly, so I will pause for a minute. "
                        "Your messages are saved; please write again shortly."))]

    def _amounts(self) -> render.Amounts:
        return render.amounts_at(self.clock(), self.base.mci)

    def _menu(self, lang: str, _: Gettext) -> Reply:
        return render.main_menu(self.base, lang, _, reminders=self.reminders is not None)

    def _answer(self, entry: Entry, lang: str, question_id: int, _: Gettext) -> Reply:
        """The entry's answer; on a topic with deadlines, the way to their reminders under it."""
        reply = render.answer(entry, lang, question_id, _, self._amounts())
        offer = self.reminders.offer(entry.id, _) if self.reminders is not None else ()
        return Reply(reply.text, (*reply.buttons, offer)) if offer else reply

    def _hinted_language(self, hint: str) -> str:
        code = hint.lower()[:2]
        return code if code in LANGUAGES else self.default_lang

    # -- commands and buttons -------------------------------------------
    async def _command(self, user: UserRecord, lang: str, command: str) -> list[Reply]:
        _ = self.translator(lang)
        name = command.strip().lstrip("/").split("@")[0].lower()
        if name == "start":
            greeting = Reply(_("Hello! I am the civic centre's desk for NGOs: I answer questions on the "
                               "NGO database, the state social order, grants, awards and public "
                               "councils, and can pass you to a consultant."))
            return [greeting, render.language_choice(_), self._menu(lang, _)]
        if name in ("lang", "language", "til", "tl", "язык"):
            return [render.language_choice(_)]
        if name == "menu":
            return [self._menu(lang, _)]
        if name == "help":
            return [self._help(_)]
        if name in region.COMMANDS and self.centres is not None:
            return [region.ask(self.centres.regions, lang, region.Then.NOTHING, _)]
        if name in subscriptions.COMMANDS and self.reminders is not None:
            return [await self.reminders.overview(user, lang, _)]
        return [Reply(_("I do not know this command."), ()), self._help(_)]

    @staticmethod
    def _help(_: Gettext) -> Reply:
        return Reply(_("Type your question in Kazakh or Russian, or use the commands:\n"
                       "/menu: topics\n/lang: language\n/help: this help"))

    async def _choice(self, user: UserRecord, lang: str, inbound: Inbound) -> list[Reply]:
        data = inbound.text
        if data.startswith(render.LANGUAGE) and data[len(render.LANGUAGE):] in LANGUAGES:
            lang = data[len(render.LANGUAGE):]
            await self.store.set_language(user.id, lang)
            _ = self.translator(lang)
            return [Reply(_("Language set: Kazakh.") if lang == "kk" else _("Language set: Russian.")),
                    self._menu(lang, _)]
        _ = self.translator(lang)
        if data == render.MENU:
            return [self._menu(lang, _)]
        if data.startswith(render.CATEGORY):
            menu = render.category_menu(self.base, data[len(render.CATEGORY):], lang, _)
            if menu is not None:
                return [menu]
        if data.startswith(render.TOPIC):
            entry = self.base.get(data[len(render.TOPIC):])
            if entry is not None and entry.action.value == "answer":
                question_id = await self.store.log_question(
                    user.id, LoggedQuestion(f"[menu] {entry.title[lang]}", lang, "menu", entry.id, 1.0))
                if entry.id == regional.CENTRE_TOPIC and self.centres is not None:
                    return await self._centre(user, lang, inbound, question_id)
                return [self._answer(entry, lang, question_id, _)]
        if data.startswith(render.FEEDBACK):
            return await self._feedback(user, data[len(render.FEEDBACK):], _)
        if data in (render.HUMAN, render.NONE_OF_THESE):
            await self.store.log_question(user.id, LoggedQuestion(f"[button] {data}", lang, "escalate", None, 0.0))
            return await self._escalate(user, lang, inbound)
        if self.reminders is not None and self.reminders.is_ours(data):
            return await self.reminders.choice(user, lang, data, _)
        choice = region.parse(data, self.centres.regions) if self.centres is not None else None
        if choice is not None:
            return await self._region_chosen(user, lang, inbound, choice)
        return [Reply(_("This button is out of date. Here is the current menu.")),
                self._menu(lang, _)]

    async def _feedback(self, user: UserRecord, payload: str, _: Gettext) -> list[Reply]:
        question, _sep, verdict = payload.partition(":")
        if not (question.isascii() and question.isdigit()) or verdict not in ("y", "n"):
            return [Reply(_("This button is out of date. Here is the current menu."))]
        stored = await self.store.add_feedback(user.id, int(question), verdict == "y")
        if not stored:
            return [Reply(_("This button is out of date. Here is the current menu."))]
        if verdict == "y":
            return [Reply(_("Thank you for the feedback!"))]
        return [render.consultant_offer(_("Sorry the answer did not help. A consultant of the civic "
                                          "centre can look into your question."), _)]

    # -- questions -------------------------------------------------------
    @staticmethod
    def _logged(text: str, decision: Decision) -> LoggedQuestion:
        return LoggedQuestion(text, decision.lang, decision.kind.value,
                              decision.entry.id if decision.entry else None, decision.score)

    async def _question(self, user: UserRecord, lang: str, inbound: Inbound) -> list[Reply]:
        _ = self.translator(lang)
        text = inbound.text.strip()
        if not text:
            return [Reply(_("Your message is empty. Please type your question in words."))]
        if text.lower().strip(" .!?") in LANGUAGE_WORDS:
            return [render.language_choice(_)]
        said = await self.reminders.said(user, lang, text, self.translator) if self.reminders else None
        if said is not None:  # the word for reminders, or "стоп" from a subscriber
            return said
        if self.centres is not None and region.is_region_word(text):
            return [region.ask(self.centres.regions, lang, region.Then.NOTHING, _)]
        typed = self.centres.regions.answer(text) if self.centres is not None else None
        if typed is not None:  # only a region's name: typed instead of chosen
            return await self._region_chosen(user, lang, inbound, region.Choice(None, typed, region.Then.NOTHING))
        decision = self.matcher.read(text[:MAX_MATCHED_CHARS], default_lang=lang)
        if decision is None:
            return [Reply(_("I could not find any words in your message. Please type your question "
                            "in Kazakh or Russian."))]
        first_language = decision.lang if user.lang is None else None  # no choice made yet: the first question sets it
        question_id = await self.store.log_question(user.id, self._logged(text, decision), language=first_language)
        return await self._replies(user, inbound, text, decision, question_id)

    async def _replies(self, user: UserRecord, inbound: Inbound, text: str, decision: Decision,
                       question_id: int) -> list[Reply]:
        replies = self._decision_replies(user, decision, question_id)
        if decision.kind is DecisionKind.ANSWER and decision.entry is not None \
                and decision.entry.id == regional.CENTRE_TOPIC and self.centres is not None:
            replies = await self._centre(user, decision.lang, inbound, question_id)
        if decision.kind is DecisionKind.ESCALATE:
            replies = await self._escalate(user, decision.lang, inbound)
        if len(text) > MAX_MATCHED_CHARS:
            _ = self.translator(decision.lang)
            replies.insert(0, Reply(_("Your message is long: I read its beginning. A consultant "
                                      "can read all of it.")))
        return render.in_language(replies, decision.lang, user.lang or decision.lang)

    def _decision_replies(self, user: UserRecord, decision: Decision, question_id: int) -> list[Reply]:
        lang = decision.lang
        _ = self.translator(lang)
        entry: Entry | None = decision.entry
        if decision.kind is DecisionKind.ANSWER and entry is not None:
            return [self._answer(entry, lang, question_id, _)]
        if decision.kind is DecisionKind.CLARIFY:
            return [render.clarify(decision.candidates, lang, _)]
        if decision.kind is DecisionKind.SMALLTALK:
            text = render.answer_text(entry, lang, self._amounts()) if entry else _("Hello! How can I help?")
            return [Reply(text, ((render.Button(render.MENU, _("Menu")),),))]
        if entry is not None:  # a declined neighbouring topic says why
            return [render.decline(entry, lang, _, self._amounts())]
        return [render.consultant_offer(_("Sorry, I do not have an answer to this question. "
                                          "A consultant of the civic centre can help."), _)]

    # -- regions -----------------------------------------------------------
    async def _region_chosen(self, user: UserRecord, lang: str, inbound: Inbound,
                             choice: region.Choice) -> list[Reply]:
        assert self.centres is not None
        _ = self.translator(lang)
        if choice.region is None:  # a group of oblasts opened, or back to the first step
            step = (region.group(self.centres.regions, choice.group or "", lang, choice.then, _, choice.arg)
                    or region.ask(self.centres.regions, lang, choice.then, _, choice.arg))
            return [step]
        await self.store.set_region(user.id, choice.region)
        user = replace(user, region=choice.region)
        if choice.then is region.Then.REMIND and self.reminders is not None:
            return [await self.reminders.subscribe(user, lang, choice.arg, True, _)]
        if choice.then is region.Then.ESCALATE:
            return await self._escalate(user, lang, inbound)
        if choice.then is region.Then.FIND:
            return await self._centre(user, lang, inbound, None)
        return [region.saved(self.centres.regions, choice.region, lang, _)]

    async def _centre(self, user: UserRecord, lang: str, inbound: Inbound, question_id: int | None) -> list[Reply]:
        """`civic-centre.find` answered with the user's own centre; their region asked first if unknown."""
        assert self.centres is not None
        _ = self.translator(lang)
        region_id = await regional.region_of(self.store, self.centres, user, inbound)
        if region_id is None:
            return [region.ask(self.centres.regions, lang, region.Then.FIND, _)]
        return [regional.centre_answer(self.centres, self.base.get(regional.CENTRE_TOPIC), region_id, lang, _,
                                       self._amounts(), self.clock(), question_id)]

    async def _escalate(self, user: UserRecord, lang: str, inbound: Inbound) -> list[Reply]:
        """Open a ticket for a person and tell the user what happens next."""
        if self.centres is not None:
            _ = self.translator(lang)
            region_id = await regional.region_of(self.store, self.centres, user, inbound)
            if region_id is None and self.centres.regional:
                return [region.ask(self.centres.regions, lang, region.Then.ESCALATE, _)]
            return await regional.escalate(self.team, self.centres, user, lang, inbound, region_id, self.clock(), _)
        if self.team is not None:
            return await escalation.escalate(self.team, user, lang, inbound)
        _ = self.translator(lang)
        return [Reply(_("Consultants are not connected to this desk yet. Please contact the civic "
                        "centre directly."))]
