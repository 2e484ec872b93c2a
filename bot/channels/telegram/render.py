"""Desk replies as Telegram messages: HTML parse mode, inline keyboards, 4,096-character parts.

Pure functions, so the exact text and markup Telegram receives are unit-tested
without a bot or a network. Keyboards are Bot API JSON, ready to send as they are.
"""

from __future__ import annotations

import functools
import html
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from handlers import Button, Reply
from handlers.types import Person

log = logging.getLogger(__name__)

MAX_TEXT = 4096  # sendMessage text limit, in UTF-16 code units after entity parsing
MAX_CALLBACK_BYTES = 64
# *bold* inside one line, with no space just inside the stars ("2 * 3 * 4" stays as it is).
BOLD = re.compile(r"\*(?=\S)([^*\n]+?)(?<=\S)\*")
SEPARATORS = ("\n\n", "\n", " ")  # paragraphs, then lines, then words, then a hard cut


@dataclass(frozen=True)
class Outgoing:
    """One sendMessage: HTML text and, on the last part of a reply only, its keyboard."""

    text: str
    reply_markup: dict[str, Any] | None = None  # an InlineKeyboardMarkup as Bot API JSON


@functools.lru_cache(maxsize=1024)  # answers and the desk's own words repeat: render each once
def to_html(text: str) -> str:
    """Escape everything, then turn the desk's *bold* into <b>; nothing else is markup."""
    return BOLD.sub(r"<b>\1</b>", html.escape(text, quote=False))


def mention(person: Person) -> str:
    """A mention that notifies the person: their @username, else a link to their id by name."""
    if person.handle:
        return html.escape(person.handle, quote=False)
    return f'<a href="tg://user?id={int(person.id)}">{html.escape(person.name or person.id, quote=False)}</a>'


def utf16_len(text: str) -> int:
    """Telegram measures text in UTF-16 code units: an emoji outside the BMP counts twice."""
    return len(text.encode("utf-16-le")) // 2


def split_text(text: str, limit: int = MAX_TEXT) -> list[str]:
    """Parts of at most `limit` units, cut at paragraphs, then lines, then words, then anywhere.

    The plain text is split before rendering, so a tag is never cut in two and the
    rendered part is never longer than its source.
    """
    return [part.strip() for part in _split(text.strip(), limit, SEPARATORS) if part.strip()]


def _split(text: str, limit: int, separators: tuple[str, ...]) -> list[str]:
    if utf16_len(text) <= limit:
        return [text]
    if not separators:
        return _hard_cut(text, limit)
    sep, finer = separators[0], separators[1:]
    parts: list[str] = []
    current = ""
    for piece in text.split(sep):
        candidate = f"{current}{sep}{piece}" if current else piece
        if utf16_len(candidate) <= limit:
            current = candidate
            continue
        if current:
            parts.append(current)
        current = ""
        if utf16_len(piece) <= limit:
            current = piece
        else:
            parts.extend(_split(piece, limit, finer))
    if current:
        parts.append(current)
    return parts


def _hard_cut(text: str, limit: int) -> list[str]:
    parts: list[str] = []
    start, used = 0, 0
    for index, char in enumerate(text):
        width = 2 if ord(char) > 0xFFFF else 1
        if used + width > limit:
            parts.append(text[start:index])
            start, used = index, 0
        used += width
    parts.append(text[start:])
    return parts


def callback_data(data: str) -> str:
    """Button data within Telegram's 64 bytes; an over-long one is cut on a character boundary.

    The desk's own data is short; a cut one only reaches the desk as an unknown
    (stale) button, which it answers politely.
    """
    raw = data.encode("utf-8")
    if len(raw) <= MAX_CALLBACK_BYTES:
        return data
    log.warning("button data over %d bytes cut: %r", MAX_CALLBACK_BYTES, data)
    return raw[:MAX_CALLBACK_BYTES].decode("utf-8", errors="ignore")


@functools.lru_cache(maxsize=4096)  # most buttons (menus, topics, "Ask a consultant") repeat: built once
def inline_button(label: str, data: str) -> dict[str, str]:
    """An InlineKeyboardButton as Bot API JSON. One dict serves every keyboard: it is only ever
    read (encoded), never changed."""
    return {"text": label, "callback_data": callback_data(data)}


def keyboard(rows: Iterable[Iterable[Button]]) -> dict[str, Any] | None:
    """An InlineKeyboardMarkup as Bot API JSON; None without buttons."""
    inline = [[inline_button(b.label, b.data) for b in row] for row in rows]
    inline = [row for row in inline if row]
    return {"inline_keyboard": inline} if inline else None


def render_reply(reply: Reply, limit: int = MAX_TEXT) -> list[Outgoing]:
    """The messages of one reply; its keyboard goes on the last part, under the end of the text."""
    parts = [to_html(part) for part in split_text(reply.text, limit)]
    if not parts:
        return []
    markup = keyboard(reply.buttons)
    return [*(Outgoing(part) for part in parts[:-1]), Outgoing(parts[-1], markup)]


def render(replies: Iterable[Reply], limit: int = MAX_TEXT) -> list[Outgoing]:
    return [message for reply in replies for message in render_reply(reply, limit)]
