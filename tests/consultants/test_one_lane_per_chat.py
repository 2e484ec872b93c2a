"""One durable path per destination, through the served desk and a fake Bot API on 127.0.0.1: a
consultant's reply and the desk's own messages to a user's chat go out in the order written, a 429
holds the chat's later messages (and only that chat's), across a restart too, and a slow consultants'
group never delays a user's chat."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app.config import Settings
from bot.db.models import OutboundMessage
from knowledge import Matcher
from tests.channels.telegram.chat import Consultant
from tests.channels.telegram.fake_api import FakeBotAPI
from tests.channels.whatsapp.fake_graph import FakeGraph
from tests.clock import FakeClock
from tests.service import GROUP, DeskService, running

CHAT = 4242
THREAD = 101
REPLY = "<b>Азаматтық орталық кеңесшісі:</b>\nЖауабым дайын."
ENDED = "Кеңесшімен чат аяқталды."


def to_user(api: FakeBotAPI, since: int = 0) -> list[str]:
    """The texts sent into the user's chat, in the order the Bot API received them."""
    return [c["params"]["text"] for c in api.calls[since:]
            if c["method"] == "sendMessage" and c["params"]["chat_id"] == CHAT]


async def escalated_and_taken(service: DeskService) -> Consultant:
    """The user's ticket, taken by the consultant who is returned (their updates' ids run on)."""
    await service.telegram.says("qwerty zxcv")
    await service.telegram.presses("human")
    consultant = service.consultant(THREAD)
    await consultant.says("/take")
    return consultant


async def a_reply_refused_then_the_user_ends_the_chat(service: DeskService, consultant: Consultant) -> int:
    """The consultant's reply meets a 429 (retry after 30 s); the user then ends the chat, so the desk
    writes its own notice to the same chat. Returns where the Bot API's calls stood before."""
    mark = len(service.api.calls)
    service.api.fail("sendMessage", 429, "Too Many Requests: retry after 30", retry_after=30)
    await consultant.says("Жауабым дайын.")
    await service.telegram.presses("end")
    return mark


async def test_a_reply_and_a_desk_notice_reach_the_user_in_the_order_written_through_a_429(
        service: DeskService) -> None:
    mark = await a_reply_refused_then_the_user_ends_the_chat(service, await escalated_and_taken(service))

    assert to_user(service.api, mark) == [REPLY]  # refused once; the notice waits behind it
    assert service.api.texts_in_topic(THREAD)[-1] == "Пользователь завершил чат. Обращение закрыто."  # not held
    service.clock.advance(seconds=29)
    await service.settle()
    assert to_user(service.api, mark) == [REPLY]
    service.clock.advance(seconds=1)
    await service.settle()

    sent = to_user(service.api, mark)
    assert sent[:2] == [REPLY, REPLY] and sent[2].startswith(ENDED) and len(sent) == 3
    assert [s for d, _k, s, _t in await service.relayed() if d == "to_user"] == ["sent"]


async def test_the_order_holds_across_a_kill_and_a_restart(
        desk_settings: Settings, engine: AsyncEngine, matcher: Matcher, bot_api: FakeBotAPI, graph: FakeGraph,
        clock: FakeClock) -> None:
    async with running(desk_settings, engine, matcher, bot_api, graph, clock) as service:
        mark = await a_reply_refused_then_the_user_ends_the_chat(service, await escalated_and_taken(service))
        assert to_user(bot_api, mark) == [REPLY]
    async with engine.begin() as conn:  # killed mid-send: both messages still claimed by this instance
        await conn.execute(update(OutboundMessage).where(OutboundMessage.status == "pending")
                           .values(status="sending", claimed_at=clock()))

    clock.advance(seconds=30)
    async with running(desk_settings, engine, matcher, bot_api, graph, clock, worker=True) as service:
        await service.settle()  # the same instance takes its own claims back at once, in order
        sent = to_user(bot_api, mark)
        assert sent[:2] == [REPLY, REPLY] and sent[2].startswith(ENDED) and len(sent) == 3


async def test_a_consultants_group_waiting_out_a_flood_limit_never_delays_a_reply_to_a_user(
        service: DeskService) -> None:
    consultant = await escalated_and_taken(service)
    posts_before = len(service.api.texts_in_topic(THREAD))
    service.api.fail("sendMessage", 429, "Too Many Requests: retry after 60", retry_after=60)
    await service.telegram.says("Тағы бір сұрақ")  # its post into the group is refused: the group waits 60 s
    mark = len(service.api.calls)

    await consultant.says("Жауабым дайын.")

    assert to_user(service.api, mark) == [REPLY]  # at once, while the group still waits
    in_group: list[dict[str, Any]] = [c for c in service.api.calls[mark:] if c["params"].get("chat_id") == GROUP]
    assert in_group == [] and len(service.api.texts_in_topic(THREAD)) == posts_before + 1  # the refused try
    service.clock.advance(seconds=60)
    await service.settle()
    assert service.api.texts_in_topic(THREAD)[-1] == "Тағы бір сұрақ"


async def test_a_long_reply_sent_in_parts_sends_each_part_once_when_a_later_part_meets_a_429(
        service: DeskService, monkeypatch: pytest.MonkeyPatch) -> None:
    consultant = await escalated_and_taken(service)
    mark, tries, refusal = len(service.api.calls), [], service.api.refusal

    def second_part_refused(method: str, params: dict[str, Any]) -> Any:
        if method == "sendMessage" and params.get("chat_id") == CHAT:
            tries.append(params["text"])
            if len(tries) == 2:
                return 429, "Too Many Requests: retry after 5", {"retry_after": 5}
        return refusal(method, params)

    monkeypatch.setattr(service.api, "refusal", second_part_refused)
    await consultant.says("ә" * 10_000)  # four messages: the signature, then three parts of Telegram's 4096
    service.clock.advance(seconds=5)
    await service.settle()

    sent = to_user(service.api, mark)
    assert len(sent) == 5 and sent[1] == sent[2]  # the refused part is tried again, after 5 s, alone
    went = [sent[0], *sent[2:]]
    assert went[0].startswith("<b>Азаматтық") and "".join(went).count("ә") == 10_000
    assert [s for d, _k, s, _t in await service.relayed() if d == "to_user"] == ["sent"]
