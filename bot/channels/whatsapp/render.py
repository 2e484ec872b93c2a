"""Desk replies as Cloud API message objects, within WhatsApp's limits (pure, no I/O).

Up to 3 choices become reply buttons, up to 10 a list, more a numbered text
the user answers with a digit. Text keeps WhatsApp's own *bold* and plain URLs.
"""

from __future__ import annotations

import functools
import html
import re
from dataclasses import dataclass, field
from typing import Any

from handlers import Button, Reply

TEXT_LIMIT = 4096
BODY_LIMIT = 1024
MAX_BUTTONS = 3
BUTTON_TITLE, BUTTON_ID = 20, 256
MAX_ROWS = 10
ROW_TITLE, ROW_DESCRIPTION, ROW_ID = 24, 72, 200
LIST_BUTTON = 20
ELLIPSIS = "…"

Message = dict[str, Any]


@dataclass(frozen=True)
class Labels:
    """Adapter UI text in the user's language."""

    choose: str  # the list's button, and the prompt after a text too long for a body
    numbered_hint: str  # under a numbered menu: answer with a digit


@dataclass(frozen=True)
class Rendered:
    messages: list[Message]
    choices: tuple[str, ...] = field(default=())  # button data of a numbered menu, by digit - 1


_MD_LINK = re.compile(r"\[([^\]\n]+)\]\((https?://[^)\s]+)\)")
_HTML_LINK = re.compile(r"<a\s[^>]*href=[\"']([^\"']+)[\"'][^>]*>(.*?)</a>", re.I | re.S)
_HTML_TAG = re.compile(r"</?[a-zA-Z][^>]*>")


@functools.lru_cache(maxsize=1024)  # answers and the desk's own words repeat: each is formatted once
def format_text(text: str) -> str:
    """WhatsApp markup: *bold* stays, links become plain URLs, HTML is dropped."""
    text = _MD_LINK.sub(r"\1: \2", text).replace("**", "*")
    if not _HTML_TAG.search(text):
        return text
    text = _HTML_LINK.sub(lambda m: f"{m.group(2)}: {m.group(1)}", text)
    text = re.sub(r"</?(b|strong)>", "*", text, flags=re.I)
    text = re.sub(r"<br\s*/?>", "\n", text, flags=re.I)
    return html.unescape(_HTML_TAG.sub("", text))


def split_text(text: str, limit: int = TEXT_LIMIT) -> list[str]:
    """Chunks of at most `limit` characters, cut at paragraphs, else lines, else spaces."""
    chunks = (chunk.strip() for chunk in _fit(text.strip(), limit, ("\n\n", "\n", " ")))
    return [chunk for chunk in chunks if chunk]


def _fit(text: str, limit: int, separators: tuple[str, ...]) -> list[str]:
    """Greedily packs the parts between the first separator, cutting longer parts finer."""
    if len(text) <= limit:
        return [text]
    if not separators:  # one unbroken word: cut anywhere
        return [text[i:i + limit] for i in range(0, len(text), limit)]
    separator, finer = separators[0], separators[1:]
    pieces, current = [], ""
    for part in text.split(separator):
        for piece in _fit(part, limit, finer):
            joined = f"{current}{separator}{piece}" if current else piece
            if len(joined) <= limit:
                current = joined
            else:
                pieces.append(current)
                current = piece
    pieces.append(current)
    return pieces


@functools.lru_cache(maxsize=4096)  # button labels repeat (topics, "Ask a consultant"): each is trimmed once
def trim(text: str, limit: int) -> str:
    """`text` cut to `limit` characters with an ellipsis when longer."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + ELLIPSIS


def text_message(body: str) -> Message:
    return {"type": "text", "text": {"body": body}}


def buttons_message(body: str, buttons: list[Button]) -> Message:
    replies = [{"type": "reply", "reply": {"id": b.data, "title": trim(b.label, BUTTON_TITLE)}}
               for b in buttons]
    return {"type": "interactive", "interactive": {
        "type": "button", "body": {"text": body}, "action": {"buttons": replies}}}


def list_message(body: str, buttons: list[Button], button_text: str) -> Message:
    rows = []
    for b in buttons:
        row = {"id": b.data, "title": trim(b.label, ROW_TITLE)}
        if len(b.label) > ROW_TITLE:  # the full title where the user can still read it
            row["description"] = trim(b.label, ROW_DESCRIPTION)
        rows.append(row)
    return {"type": "interactive", "interactive": {
        "type": "list", "body": {"text": body},
        "action": {"button": trim(button_text, LIST_BUTTON), "sections": [{"rows": rows}]}}}


def texts(text: str) -> list[Message]:
    return [text_message(chunk) for chunk in split_text(text)]


def numbered(text: str, buttons: list[Button], hint: str) -> Rendered:
    lines = "\n".join(f"{i}. {b.label}" for i, b in enumerate(buttons, 1))
    body = f"{text}\n\n{lines}\n\n{hint}" if text else f"{lines}\n\n{hint}"
    return Rendered(texts(body), tuple(b.data for b in buttons))


@functools.lru_cache(maxsize=1024)
def split_for_body(text: str) -> tuple[str, str]:
    """A text too long for an interactive body: the last paragraphs that fit go above the
    choices (an answer's source and link), the rest is sent first as plain text."""
    if len(text) <= BODY_LIMIT:
        return "", text
    paragraphs = text.split("\n\n")
    tail: list[str] = []
    while paragraphs and len("\n\n".join([paragraphs[-1], *tail])) <= BODY_LIMIT:
        tail.insert(0, paragraphs.pop())
    return "\n\n".join(paragraphs), "\n\n".join(tail)


def render_reply(reply: Reply, labels: Labels) -> Rendered:
    """One desk reply as the messages to send, in order."""
    text = format_text(reply.text).strip()
    buttons = reply.all_buttons()
    if not buttons:
        return Rendered(texts(text))
    titles = {trim(b.label, BUTTON_TITLE) for b in buttons}  # button titles must be unique
    as_buttons = (len(buttons) <= MAX_BUTTONS and len(titles) == len(buttons)
                  and all(len(b.data) <= BUTTON_ID for b in buttons))
    as_list = len(buttons) <= MAX_ROWS and all(len(b.data) <= ROW_ID for b in buttons)
    if not (as_buttons or as_list):
        return numbered(text, buttons, labels.numbered_hint)
    head, body = split_for_body(text)
    messages = texts(head) if head else []
    body = body or labels.choose[:BODY_LIMIT]
    messages.append(buttons_message(body, buttons) if as_buttons
                    else list_message(body, buttons, labels.choose))
    return Rendered(messages)
