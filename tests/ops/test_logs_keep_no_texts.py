"""What users and consultants write, and who they are, never reaches the log at INFO: a whole
conversation through the real webhooks (a question, an escalation, a consultant's reply, a rating,
on Telegram and on WhatsApp) leaves no text, name, username or number in any record's message or fields."""

from __future__ import annotations

import logging

import pytest

from tests.channels.whatsapp.meta import USER
from tests.service import DeskService

THREAD = 101  # the first ticket's topic in the fake Bot API
SAID = ["Жарқын болашақ жарғысын қалай өзгертеміз", "Кеңесшіге қосыңыз", "Есебіміз кешігіп қалды, көмектесіңіз",
        "Как нам сдать отчёт Жарқын, подскажите"]
REPLY = "Есепті наурыздың отыз бірінен кешіктірмей тапсырыңыз"
WHO = ["Айгүл", "aigul_s", "Айгерім", USER, "Асель"]


def logged(caplog: pytest.LogCaptureFixture) -> str:
    """Every record as a log line shows it: the message and every field a formatter may print."""
    return "\n".join(f"{record.getMessage()} {vars(record)}" for record in caplog.records)


async def test_a_conversation_with_a_consultant_leaves_no_text_or_name_in_the_log(
        service: DeskService, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    for text in SAID[:3]:
        await service.telegram.says(text)
    await service.consultant(THREAD).says(REPLY)
    await service.consultant(THREAD).says("/close")
    await service.telegram.presses("rate:1:5")
    for text in (SAID[3], SAID[1]):
        await service.whatsapp.say(text)
    await service.settle()

    to_user = [c["params"]["text"] for c in service.api.calls
               if c["method"] == "sendMessage" and c["params"]["chat_id"] == service.telegram.id]
    assert any(REPLY in text for text in to_user)  # the conversation took place
    assert SAID[2] in service.api.texts_in_topic(THREAD)
    assert caplog.records  # and the desk did log it
    lines = logged(caplog)
    assert [secret for secret in [*SAID, REPLY, *WHO] if secret in lines] == []


async def test_a_reply_held_for_a_closed_whatsapp_window_leaves_no_number_in_the_log(
        service: DeskService, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    await service.whatsapp.say(SAID[1])
    service.clock.advance(hours=25)  # the window closed: the reply is held and the user invited
    await service.consultant(THREAD).says(REPLY)
    await service.whatsapp.say(SAID[2])  # and released when they write

    assert [s for d, _k, s, _t in await service.relayed() if d == "to_user"] == ["sent"]
    assert [secret for secret in [*SAID, REPLY, *WHO] if secret in logged(caplog)] == []
