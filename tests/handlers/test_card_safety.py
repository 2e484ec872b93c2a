"""A name or a question cannot dress up the consultants' topic titles and cards.

That the neutralised text stays text in Telegram's HTML is tests/channels/telegram/test_render.py's.
"""

from __future__ import annotations

from handlers import Channel, Desk, Inbound, InboundKind, Team, cards

NASTY = "\u202eАйгерім\u2066\n*СРОЧНО* <b>admin</b>\x07\u200b"


async def test_names_and_quotes_lose_control_bidi_newlines_and_markup(desk: Desk, team: Team) -> None:
    await desk.handle(Inbound(Channel.TELEGRAM, "42", InboundKind.TEXT, "*важно*\u202e\nвопрос про грант", name=NASTY))
    await desk.handle(Inbound(Channel.TELEGRAM, "42", InboundKind.TEXT, "Соедините с консультантом", name=NASTY))
    card = await cards.card(team, 1)
    assert card is not None
    assert card.title == "№1 · ru · Telegram · Айгерім ∗СРОЧНО∗ <b>admin</b>"
    assert "Айгерім ∗СРОЧНО∗ <b>admin</b>" in card.text and "«∗важно∗ вопрос про грант»" in card.text
    for text in (card.title, card.text):
        assert not any(c in text for c in "\u202e\u2066\u200b\x07")
