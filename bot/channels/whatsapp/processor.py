"""A stored WhatsApp message through the desk and back: map it (`mapper.py`), answer, render, and
put the replies in the chat's lane (sent by `sender.py`)."""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from bot.channels.whatsapp.client import GraphClient
from bot.channels.whatsapp.mapper import to_inbound
from bot.channels.whatsapp.render import Labels, Rendered, render_reply
from bot.channels.whatsapp.store import WhatsAppStore, from_timestamp
from bot.db.models import utcnow
from bot.pipeline.outbound import Outbound
from handlers import Inbound, Reply, Translator

log = logging.getLogger(__name__)
CHANNEL = "whatsapp"
Answer = Callable[[Inbound], Awaitable[list[Reply]]]  # the desk's answer to one message
Release = Callable[[str], Awaitable[int]]  # a chat's held replies go out now; how many
LanguageOf = Callable[[str], str | None]  # the language a text is plainly in, if any
LANGUAGE_SAMPLE = 200  # characters of each reply read to tell its language
REPLY_LANGUAGES = 4096  # reply samples whose language is remembered


def labels(translator: Translator, lang: str) -> Labels:
    """The adapter's own words (list button, numbered-menu hint) in one language."""
    _ = translator(lang)
    return Labels(choose=_("Choose an option"), numbered_hint=_("Reply with the number of your choice."))


async def render_messages(store: WhatsAppStore, wa_id: str, replies: list[Reply], words: Labels,
                          offered: Sequence[str] | None = None) -> list[dict[str, Any]]:
    """The Graph API message objects of some replies, in order; the numbered menu they offer is
    remembered (`offered`: the menu the contact holds now, when known: written only when it changes)."""
    rendered: list[Rendered] = [render_reply(reply, words) for reply in replies]
    if any(reply.buttons for reply in replies):  # new choices replace any numbered menu
        numbered = next((r.choices for r in reversed(rendered) if r.choices), ())
        if offered is None or list(numbered) != list(offered):
            await store.set_choices(wa_id, numbered)
    return [m for r in rendered for m in r.messages]


class WhatsAppProcessor:
    """The inbox's processor for the "whatsapp" channel; never raises on a failed send."""

    def __init__(self, answer: Answer, client: GraphClient, store: WhatsAppStore, translator: Translator,
                 language_of: LanguageOf, outbound: Outbound, *, default_lang: str = "kk",
                 release: Release | None = None) -> None:
        """`outbound`: the chat's lane the desk's replies are put in (sent by `WhatsAppSender`);
        `release`: consultants' replies held while the user's window was closed go out (None
        without a team: nothing is ever held)."""
        self.answer = answer
        self.client = client
        self.store = store
        self.translator = translator
        self.default_lang = default_lang
        self.outbound = outbound
        self.release = release
        # The desk's replies repeat (answers, menus, its own words): each sample is read once.
        self._language_of = functools.lru_cache(maxsize=REPLY_LANGUAGES)(language_of)

    async def __call__(self, payload: dict[str, Any]) -> None:
        message, name = payload["message"], str(payload.get("name", ""))
        wa_id = str(message["from"])
        sent_at = from_timestamp(message.get("timestamp")) or utcnow()
        choices = await self.store.touch_contact(wa_id, name, sent_at)
        if self.release is not None:  # the window is open again: held consultant replies go out
            await self.release(wa_id)
        inbound = to_inbound(message, name, choices)
        read = await self.client.mark_read(inbound.message_id)
        if not read.ok:
            log.warning("could not mark %s as read: %s", inbound.message_id, read.error)
        await self.deliver(wa_id, await self.answer(inbound), offered=choices)

    async def deliver(self, wa_id: str, replies: list[Reply], offered: Sequence[str] | None = None) -> None:
        """Render the replies and put them in the chat's lane (`offered`: see `render_messages`)."""
        words = await self._labels(wa_id, replies)
        await self.outbound.put(CHANNEL, wa_id, await render_messages(self.store, wa_id, replies, words, offered))

    async def _labels(self, wa_id: str, replies: list[Reply]) -> Labels:
        """The adapter's own words in the language of the replies (the desk may answer a
        Russian question in Russian to a Kazakh speaker), else in the user's language.

        The beginning of each reply tells the language as well as all of it would, for a
        fraction of the CPU (answers run to 900 characters); the user's stored language is
        read only when the replies do not tell.
        """
        sample = " ".join(reply.text[:LANGUAGE_SAMPLE] for reply in replies)
        lang = self._language_of(sample)
        if lang is None:
            stored = await self.store.language(wa_id) or self.default_lang
            lang = "ru" if stored == "ru" else "kk"
        return labels(self.translator, lang)
