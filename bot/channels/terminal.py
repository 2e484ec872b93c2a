"""The terminal channel: the same desk as the messengers, in a console.

Buttons are shown as a numbered list; typing the number presses a button of the
latest reply (a reply without buttons leaves nothing to press). Whatever arrives
on stdin is read: a line cut inside a character by the terminal's line limit or
bytes that are not UTF-8 become replacement characters, not a crash.
"""

from __future__ import annotations

import io
import sys
from collections.abc import Callable
from typing import TextIO

from handlers import Button, Channel, Desk, Inbound, InboundKind, Reply

PROMPT = "> "
QUIT = ("/quit", "/exit")


def render(replies: list[Reply]) -> tuple[str, list[Button]]:
    """Text of the replies with every button numbered, and the buttons in that order."""
    lines: list[str] = []
    buttons: list[Button] = []
    for reply in replies:
        lines.append(reply.text.replace("*", ""))
        for button in reply.all_buttons():
            buttons.append(button)
            lines.append(f"  [{len(buttons)}] {button.label}")
        lines.append("")
    return "\n".join(lines), buttons


def to_inbound(line: str, buttons: list[Button], chat_id: str, lang: str) -> Inbound:
    text = line.strip()
    if text.isascii() and text.isdigit() and 1 <= int(text) <= len(buttons):
        return Inbound(Channel.TERMINAL, chat_id, InboundKind.CHOICE, buttons[int(text) - 1].data)
    if text.startswith("/"):
        return Inbound(Channel.TERMINAL, chat_id, InboundKind.COMMAND, text[1:], lang_hint=lang)
    return Inbound(Channel.TERMINAL, chat_id, InboundKind.TEXT, line, lang_hint=lang)


def forgiving_stdin() -> None:
    """Read stdin as UTF-8 with replacement characters (a terminal may cut a long line mid-character)."""
    if isinstance(sys.stdin, io.TextIOWrapper):
        sys.stdin.reconfigure(encoding="utf-8", errors="replace")


def prompted() -> str:
    """A line after the prompt; shown at once even when stdout is a pipe (input() would hold it back)."""
    if sys.stdin.isatty():
        return input(PROMPT)  # readline's line editing knows its prompt
    print(PROMPT, end="", flush=True)
    return input()


async def run_chat(desk: Desk, lang: str, *, explicit_lang: bool = False,
                   read: Callable[[], str] = prompted, out: TextIO = sys.stdout,
                   chat_id: str = "console") -> None:
    """Converse until end of input, /quit or Ctrl-C; an explicit language is stored first."""
    if explicit_lang:
        await desk.handle(Inbound(Channel.TERMINAL, chat_id, InboundKind.CHOICE, f"lang:{lang}"))
    first = Inbound(Channel.TERMINAL, chat_id, InboundKind.COMMAND, "start", lang_hint=lang)
    text, buttons = render(await desk.handle(first))
    print(text, file=out)
    while True:
        try:
            line = read()
        except (EOFError, KeyboardInterrupt):
            print(file=out)
            return
        if line.strip() in QUIT:
            return
        inbound = to_inbound(line, buttons, chat_id, lang)
        replies = await desk.handle(inbound)
        # The desk's help lists the messengers' commands; the console has one more.
        if inbound.kind is InboundKind.COMMAND and inbound.text.lower() == "help":
            replies = [*replies, Reply(desk.translator(lang)("/quit: leave the chat"))]
        text, buttons = render(replies)
        print(text, file=out)
