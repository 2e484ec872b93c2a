"""A stored WhatsApp message through the desk and back: map it, answer, render, send."""

from __future__ import annotations

import datetime as dt
import functools
import logging
from collections.abc import Sequence
from typing import Any

from bot.channels.whatsapp.client import TRANSIENT_CODES, GraphClient, SendResult
from bot.channels.whatsapp.render import Labels, Rendered, render_reply
from bot.channels.whatsapp.store import WhatsAppStore, from_timestamp
from bot.db.models import utcnow
from bot.pipeline.outbound import Outbound
from bot.pipeline.outbox import Outbox
from bot.pipeline.outcome import Outcome
from handlers import Channel, Desk, Inbound, InboundKind, Reply, Translator

log = logging.getLogger(__name__)
CHANNEL = "whatsapp"
CHOICE_TYPES = ("button_reply", "list_reply")
LANGUAGE_SAMPLE = 200  # characters of each reply read to tell its language
REPLY_LANGUAGES = 4096  # reply samples whose language is remembered


def to_inbound(message: dict[str, Any], name: str, choices: Sequence[str]) -> Inbound:
    """The desk's view of one webhook message; a bare digit picks from a numbered menu."""
    wa_id, wamid = str(message.get("from", "")), str(message.get("id", ""))
    kind = message.get("type")

    def inbound(inbound_kind: InboundKind, text: str, media_type: str = "") -> Inbound:
        return Inbound(Channel.WHATSAPP, wa_id, inbound_kind, text, message_id=wamid, name=name,
                       media_type=media_type)

    if kind == "text":
        body = str((message.get("text") or {}).get("body", ""))
        digits = body.strip()
        if digits.isdecimal() and len(digits) <= 3 and 1 <= int(digits) <= len(choices):
            return inbound(InboundKind.CHOICE, choices[int(digits) - 1])
        return inbound(InboundKind.TEXT, body)
    if kind == "interactive":
        interactive = message.get("interactive") or {}
        reply_kind = interactive.get("type")
        picked = interactive.get(reply_kind) if reply_kind in CHOICE_TYPES else None
        if isinstance(picked, dict) and picked.get("id"):
            return inbound(InboundKind.CHOICE, str(picked["id"]))
    media = message.get(str(kind))  # image, sticker, reaction... (a caption, if any, kept as text)
    caption = str(media.get("caption") or "") if isinstance(media, dict) else ""
    return inbound(InboundKind.MEDIA, caption, str(kind or "unknown"))


def labels(translator: Translator, lang: str) -> Labels:
    """The adapter's own words (list button, numbered-menu hint) in one language."""
    _ = translator(lang)
    return Labels(choose=_("Choose an option"), numbered_hint=_("Reply with the number of your choice."))


def transient(result: SendResult) -> bool:
    """A failure worth another try later: no answer, a rate limit, a server error."""
    return result.http_status in (0, 429) or result.http_status >= 500 or result.error_code in TRANSIENT_CODES


async def send_replies(client: GraphClient, store: WhatsAppStore, wa_id: str, replies: list[Reply],
                       words: Labels, at: dt.datetime | None = None,
                       offered: Sequence[str] | None = None, keep: Outbound | None = None) -> SendResult | None:
    """Send the replies in order; after a failure the rest are recorded as skipped.

    `offered`: the numbered menu the contact holds now, when known (the menu is then
    written only when it changes). `keep`: where a message the Graph API did not take for a
    transient reason is kept, with the ones after it, to go out later in order (also every
    message while earlier ones to the chat wait there). Returns the failed send's result,
    or None when everything went out or was kept.
    """
    rendered: list[Rendered] = [render_reply(reply, words) for reply in replies]
    if any(reply.buttons for reply in replies):  # new choices replace any numbered menu
        numbered = next((r.choices for r in reversed(rendered) if r.choices), ())
        if offered is None or list(numbered) != list(offered):
            await store.set_choices(wa_id, numbered)
    messages = [m for r in rendered for m in r.messages]
    if keep is not None and keep.holds(CHANNEL, wa_id):
        await keep.put(CHANNEL, wa_id, messages, after=0, error="queued behind earlier messages")
        return None
    for n, message in enumerate(messages):
        result = await client.send(wa_id, message)
        await store.record_outbound(wa_id, message, "sent" if result.ok else "failed", result, at=at)
        if result.ok:
            continue
        if keep is not None and transient(result):
            await keep.put(CHANNEL, wa_id, messages[n:], error=f"Graph API {result.http_status}: {result.error}")
            return None
        for skipped in messages[n + 1:]:
            await store.record_outbound(wa_id, skipped, "skipped", at=at)
        return result
    return None


class WhatsAppProcessor:
    """The inbox's processor for the "whatsapp" channel; never raises on a failed send."""

    def __init__(self, desk: Desk, client: GraphClient, store: WhatsAppStore,
                 outbox: Outbox | None = None, outbound: Outbound | None = None) -> None:
        self.desk = desk
        self.client = client
        self.store = store
        self.outbox = outbox
        self.outbound = outbound
        if outbound is not None:
            outbound.register(CHANNEL, self.send_kept)
        # The desk's replies repeat (answers, menus, its own words): each sample is read once.
        self._language_of = functools.lru_cache(maxsize=REPLY_LANGUAGES)(desk.matcher.detector.decided)

    async def __call__(self, payload: dict[str, Any]) -> None:
        message, name = payload["message"], str(payload.get("name", ""))
        wa_id = str(message["from"])
        sent_at = from_timestamp(message.get("timestamp")) or utcnow()
        choices = await self.store.touch_contact(wa_id, name, sent_at)
        if self.outbox is not None:  # the window is open again: held consultant replies go out
            await self.outbox.release_held(Channel.WHATSAPP.value, wa_id)
        inbound = to_inbound(message, name, choices)
        read = await self.client.mark_read(inbound.message_id)
        if not read.ok:
            log.warning("could not mark %s as read: %s", inbound.message_id, read.error)
        await self.deliver(wa_id, await self.desk.handle(inbound), offered=choices)

    async def deliver(self, wa_id: str, replies: list[Reply], offered: Sequence[str] | None = None) -> None:
        """Send the replies in order; after a failure the rest are recorded as skipped.

        `offered`: the numbered menu the contact holds now, if known (see `send_replies`).
        """
        await send_replies(self.client, self.store, wa_id, replies, await self._labels(wa_id, replies),
                           offered=offered, keep=self.outbound)

    async def send_kept(self, wa_id: str, message: dict[str, Any]) -> Outcome:
        """A kept message's next try (`bot.pipeline.outbound`), recorded like any send."""
        result = await self.client.send(wa_id, message)
        await self.store.record_outbound(wa_id, message, "sent" if result.ok else "failed", result)
        if result.ok:
            return Outcome.sent(result.wamid)
        error = f"Graph API {result.http_status}/{result.error_code}: {result.error}"
        return Outcome.retry(error) if transient(result) else Outcome.failed(error)

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
            stored = await self.store.language(wa_id) or self.desk.default_lang
            lang = "ru" if stored == "ru" else "kk"
        return labels(self.desk.translator, lang)
