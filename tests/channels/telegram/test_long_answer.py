"""An answer longer than Telegram's 4,096 characters arrives in parts, the keyboard on the last."""

from __future__ import annotations

import dataclasses
import html
import re

import pytest

from knowledge import Matcher
from tests.channels.telegram.chat import TelegramUser, answered

CHAT = 4242
LONG_ANSWER = "\n\n".join(f"{n}-тармақ. " + "Мәлімет *маңызды* & <нақты>. " * 40 for n in range(12))


def visible(text: str) -> str:
    """What Telegram counts against its limit: the text after HTML entity parsing."""
    return html.unescape(re.sub(r"</?b>", "", text))


@pytest.fixture
def desk_matcher(matcher: Matcher) -> Matcher:
    """The real base, with one answer made longer than a Telegram message."""
    base = matcher.base
    entries = tuple(dataclasses.replace(e, answer={**e.answer, "kk": LONG_ANSWER})
                    if e.id == "database.deadline" else e for e in base.entries)
    return Matcher(dataclasses.replace(base, entries=entries))


async def test_long_answer_is_split_at_paragraphs_keyboard_last(user: TelegramUser) -> None:
    calls = await user.presses("topic:database.deadline")

    assert calls[0] == answered("query-1")
    parts = [call["params"] for call in calls[1:]]
    assert [call["method"] for call in calls[1:]] == ["sendMessage"] * 4
    assert all(len(visible(p["text"])) <= 4096 and p["chat_id"] == CHAT for p in parts)
    assert [("reply_markup" in p) for p in parts] == [False, False, False, True]
    assert parts[-1]["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "fb:1:y"
    # Cut between paragraphs only: every part after the title starts a numbered paragraph.
    assert parts[0]["text"].startswith("<b>Дерекқорға мәлімет тапсыру мерзімі</b>\n\n0-тармақ.")
    firsts = [int(p["text"].split("-", 1)[0]) for p in parts[1:]]
    assert firsts == sorted(firsts) and all(
        p["text"].startswith(f"{n}-тармақ. Мәлімет <b>маңызды</b> &amp; &lt;нақты&gt;.")
        for n, p in zip(firsts, parts[1:], strict=True))
    assert "\n\n".join(p["text"] for p in parts).count("-тармақ.") == 12
    assert "https://adilet.zan.kz/rus/docs/Z010000142_\n\n" in parts[-1]["text"]
