"""The terminal channel: the same desk as the messengers, in a console.

Buttons are shown as a numbered list; typing the number presses the button.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TextIO

from handlers import Button, Channel, Desk, Inbound, InboundKind, Reply

PROMPT = "> "


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
    if text.isdigit() and 1 <= int(text) <= len(buttons):
        return Inbound(Channel.TERMINAL, chat_id, InboundKind.CHOICE, buttons[int(text) - 1].data)
    if text.startswith("/"):
        return Inbound(Channel.TERMINAL, chat_id, InboundKind.COMMAND, text[1:], lang_hint=lang)
    return Inbound(Channel.TERMINAL, chat_id, InboundKind.TEXT, line, lang_hint=lang)


async def run_chat(desk: Desk, lang: str, *, explicit_lang: bool = False,
                   read: Callable[[], str] = input, out: TextIO = sys.stdout,
                   chat_id: str = "console") -> None:
    """Converse until end of input or /quit; an explicit language is stored first."""
    if explicit_lang:
        await desk.handle(Inbound(Channel.TERMINAL, chat_id, InboundKind.CHOICE, f"lang:{lang}"))
    first = Inbound(Channel.TERMINAL, chat_id, InboundKind.COMMAND, "start", lang_hint=lang)
    text, buttons = render(await desk.handle(first))
    print(text, file=out)
    while True:
        try:
            line = read()
        except EOFError:
            return
        if line.strip() in ("/quit", "/exit"):
            return
        text, new_buttons = render(await desk.handle(to_inbound(line, buttons, chat_id, lang)))
        buttons = new_buttons or buttons
        print(text, file=out)
