"""The consultants' group changes under the desk: upgraded, the bot removed, a topic closed for good.

Nothing is lost and nobody is left guessing: messages wait instead of failing,
the operator reads the new id in the log, /readyz and /metrics say what is
wrong, and users who escalate meanwhile get the centre's contacts.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import AsyncIterator
from dataclasses import replace

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app.config import Settings
from bot.channels.telegram.group import PROBE_EVERY, shared_status, status_lines
from bot.channels.telegram.sender import TelegramSender
from bot.channels.telegram.service import build_bot
from bot.db.models import ConsultantGroup
from bot.ops.logs import TextFormatter
from knowledge import Matcher
from tests.channels.telegram.chat import Consultant
from tests.channels.telegram.fake_api import FakeBotAPI
from tests.channels.whatsapp.fake_graph import FakeGraph
from tests.clock import FakeClock
from tests.service import GROUP, DeskService, arrives, running, whatsapp_arrives

SUPERGROUP = -1009876543210
CONTACTS = "+7 7212 41-00-00, Караганда, ул. Ержанова, 3"
CARD = "<b>Обращение №"


@pytest.fixture
def desk_settings(desk_settings: Settings) -> Settings:
    return desk_settings.model_copy(update={"centre_contacts": CONTACTS})


@pytest.fixture
async def sender(desk_settings: Settings) -> AsyncIterator[TelegramSender]:
    """The bot the probe asks with (the service's own runs on a timer)."""
    sender = TelegramSender(build_bot(desk_settings))
    yield sender
    await sender.bot.session.close()


async def statuses(service: DeskService) -> list[tuple[str, str]]:
    return [(kind, status) for _d, kind, status, _t in await service.relayed()]


async def test_a_group_upgraded_mid_ticket_is_followed_at_once_and_nothing_is_lost(
        service: DeskService, caplog: pytest.LogCaptureFixture, desk_settings: Settings, engine: AsyncEngine,
        matcher: Matcher, bot_api: FakeBotAPI, graph: FakeGraph, clock: FakeClock) -> None:
    api = service.api
    await service.whatsapp.say("Кеңесшіге қосыңыз")  # ticket 1, topic 101 in the old group
    await arrives(service.telegram, "Кеңесшіге қосыңыз")  # ticket 2: its card waits
    await arrives(service.telegram, "Жарғы туралы сұрағым бар")
    await whatsapp_arrives(service, "Бірінші хабарлама")  # two more of ticket 1 wait too
    await whatsapp_arrives(service, "Екінші хабарлама")
    api.migrated[GROUP] = SUPERGROUP
    mark = len(api.calls)

    await service.settle()

    calls = api.calls[mark:]
    assert [c["params"]["chat_id"] for c in calls].count(GROUP) == 1  # one refusal, then the new id only
    assert {c["params"]["chat_id"] for c in calls[1:]} == {SUPERGROUP}
    assert api.topics == {101: "№1 · kk · WhatsApp · Айгерім", 102: "№2 · kk · Telegram · Айгүл Серікова",
                          103: "№1 · kk · WhatsApp · Айгерім"}
    card, question = api.texts_in_topic(102)
    assert card.startswith(CARD + "2") and question == "Жарғы туралы сұрағым бар"
    card, waited = api.texts_in_topic(103)  # ticket 1's topic stayed in the old chat: made anew
    assert card.startswith(CARD + "1")  # the two that waited, in one post, in order
    assert waited == "🕑 10:00\nБірінші хабарлама\n\n🕑 10:00\nЕкінші хабарлама"
    assert {status for _kind, status in await statuses(service)} == {"sent"}
    async with engine.connect() as conn:
        stored = (await conn.execute(select(ConsultantGroup.configured_id, ConsultantGroup.chat_id))).all()
    assert stored == [(GROUP, SUPERGROUP)]
    warning = next(r for r in caplog.records if "upgraded to a supergroup" in r.getMessage())
    assert TextFormatter().format(warning).endswith(
        f"the consultants' group {GROUP} was upgraded to a supergroup and is now {SUPERGROUP}: messages go "
        f"there from now on; set DESK_CONSULTANT_CHAT_ID={SUPERGROUP}")
    assert warning.levelno == logging.WARNING
    assert status_lines(await shared_status(engine, GROUP)) == [
        f"consultants' group: {SUPERGROUP}",
        f"  upgraded to a supergroup from {GROUP} on 2026-01-05T05:00:00+00:00: "
        f"set DESK_CONSULTANT_CHAT_ID={SUPERGROUP}"]

    # A restart (or another instance) reads the new id; consultants write from the new chat.
    async with running(desk_settings, engine, matcher, bot_api, graph, clock) as again:
        consultant = Consultant(again.client, bot_api, again.shell, group=SUPERGROUP, thread_id=103)
        await consultant.says("Сәлеметсіз бе! Тыңдап тұрмын.")
        assert graph.sends()[-1]["text"]["body"] == "*Азаматтық орталық кеңесшісі:*\nСәлеметсіз бе! Тыңдап тұрмын."
        await again.whatsapp.say("Рахмет")
        assert api.calls[-1]["params"]["chat_id"] == SUPERGROUP


async def test_the_bot_removed_from_the_group_holds_everything_until_it_is_back(
        service: DeskService, sender: TelegramSender) -> None:
    api, group = service.api, service.shell.consultants_group
    assert group is not None
    await service.whatsapp.say("Кеңесшіге қосыңыз")
    api.kicked.add(GROUP)

    await service.whatsapp.say("Сіз мұндасыз ба?")
    escalated = await service.telegram.says("Кеңесшіге қосыңыз")
    calls_while_broken = len(api.calls)
    await service.whatsapp.say("Жауап күтемін")

    assert len(api.calls) == calls_while_broken  # a broken group is not hammered
    assert escalated[0]["params"]["text"].startswith(
        "Сіздің №2 өтінішіңіз сақталды, бірақ техникалық ақауға байланысты ол қазір кеңесшілерге жете "
        "алмай тұр. Ақау жойылған бойда өтініш кеңесшілерге жетеді, ал кеңесші осы чатта жауап береді. "
        f"Сұрағыңыз шұғыл болса, азаматтық орталыққа тікелей хабарласыңыз: {CONTACTS}")
    assert await statuses(service) == [("card", "sent"), ("text", "pending"), ("card", "pending"),
                                    ("text", "pending")]
    ready = await service.client.get("/readyz")
    assert ready.status == 503
    assert (await ready.json())["problems"] == [
        f"consultants' group {GROUP} unusable since 2026-01-05T05:00:00+00:00: "
        "Forbidden: bot was kicked from the supergroup chat"]
    metrics = await (await service.client.get("/metrics")).text()
    assert "desk_consultants_group_broken 1.0" in metrics
    assert "desk_consultants_group_breaks_total 1.0" in metrics

    assert status_lines(await shared_status(service.shell.engine, GROUP))[1] == (
        "  BROKEN since 2026-01-05T05:00:00+00:00: Forbidden: bot was kicked from the supergroup chat; "
        "messages are kept until it works again")
    service.clock.advance(seconds=PROBE_EVERY)
    assert not await group.probe(sender)  # still removed: getChat says so
    await service.settle()
    assert await statuses(service) == [("card", "sent"), ("text", "pending"), ("card", "pending"),
                                    ("text", "pending")]

    api.kicked.discard(GROUP)  # an admin adds the bot back
    assert await group.probe(sender)
    assert (await service.client.get("/readyz")).status == 200
    service.clock.advance(seconds=PROBE_EVERY)
    await service.settle()

    # The refused attempt that found the bot removed, then the backlog in order (in one post).
    assert api.texts_in_topic(101)[1:] == ["Сіз мұндасыз ба?", "🕑 10:00\nСіз мұндасыз ба?\n\n🕑 10:00\nЖауап күтемін"]
    assert api.texts_in_topic(102)[0].startswith(CARD + "2")
    assert {status for _kind, status in await statuses(service)} == {"sent"}
    metrics = await (await service.client.get("/metrics")).text()
    assert "desk_consultants_group_broken 0.0" in metrics
    assert "desk_consultants_group_breaks_total 1.0" in metrics


async def test_without_contacts_the_user_is_still_told_the_truth(
        desk_settings: Settings, engine: AsyncEngine, matcher: Matcher, bot_api: FakeBotAPI,
        graph: FakeGraph, clock: FakeClock) -> None:
    settings = desk_settings.model_copy(update={"centre_contacts": ""})
    async with running(settings, engine, matcher, bot_api, graph, clock) as service:
        bot_api.kicked.add(GROUP)
        await service.whatsapp.say("Кеңесшіге қосыңыз")  # its card finds the group broken
        service.telegram.language_code = "ru"
        calls = await service.telegram.says("Свяжите меня с консультантом")

        said, _hint = calls[0]["params"]["text"].split("\n\n")
        assert said == ("Ваше обращение №2 сохранено, но из-за технической неполадки сейчас оно не может дойти "
                        "до консультантов. Оно дойдёт до них, как только неполадку устранят, и консультант "
                        "ответит здесь. Если вопрос срочный, обратитесь в гражданский центр напрямую.")


async def test_a_closed_topic_the_bot_may_not_reopen_is_made_anew_with_the_conversation(service: DeskService) -> None:
    api = service.api
    await service.whatsapp.say("Кеңесшіге қосыңыз")
    await service.whatsapp.say("Жарғыны қалай өзгертеміз?")
    consultant = service.consultant(101)
    await consultant.says("Жалпы жиналыстың шешімі керек.")
    await consultant.says("/note жарғы бойынша кеңес берілді")
    api.closed_topics.add(101)
    api.may_manage_topics = False

    await service.whatsapp.say("Түсіндім, рахмет!")

    assert [c["method"] for c in api.calls if c["method"] == "reopenForumTopic"] == ["reopenForumTopic"]
    card, transcript, message = api.texts_in_topic(102)
    assert card.startswith(CARD + "1")
    assert transcript.splitlines() == [
        "Переписка до этого момента (тема создана заново):",
        "05.01 10:00 Айгерім: Жарғыны қалай өзгертеміз?",
        "05.01 10:00 → Асель Нұрланқызы: <b>Азаматтық орталық кеңесшісі:</b> Жалпы жиналыстың шешімі керек.",
        "05.01 10:00 📝 заметка (Асель Нұрланқызы): жарғы бойынша кеңес берілді"]
    assert message == "Түсіндім, рахмет!"
    assert {status for _kind, status in await statuses(service)} <= {"sent", "internal"}
    consultant.thread_id = 102  # the new topic is the ticket's now
    await consultant.says("Оқасы жоқ!")
    assert service.graph.sends()[-1]["text"]["body"] == "*Азаматтық орталық кеңесшісі:*\nОқасы жоқ!"


async def test_the_upgrade_notice_in_the_old_group_is_followed_before_anything_is_refused(service: DeskService) -> None:
    notice = service.consultant(0)
    notice.chat = {"id": GROUP, "type": "group", "title": "Кеңесшілер"}
    await notice.sends(migrate_to_chat_id=SUPERGROUP)

    await service.whatsapp.say("Кеңесшіге қосыңыз")

    assert service.shell.consultants_group is not None
    assert service.shell.consultants_group.chat_id == SUPERGROUP
    assert {c["params"]["chat_id"] for c in service.api.calls if c["method"] != "answerCallbackQuery"} == {SUPERGROUP}


async def test_rights_taken_away_keep_the_group_broken_until_they_are_given_back(
        service: DeskService, sender: TelegramSender) -> None:
    api, group = service.api, service.shell.consultants_group
    assert group is not None
    api.demoted.add(GROUP)  # an admin made the bot a plain member
    outbox = service.shell.outbox
    assert outbox is not None
    outbox.policy = replace(outbox.policy, deadline=dt.timedelta(seconds=3 * PROBE_EVERY))
    looks = 5  # the group stays broken past the delivery deadline

    await service.whatsapp.say("Кеңесшіге қосыңыз")
    assert await statuses(service) == [("card", "pending")]
    for _look in range(looks + 2):  # getChat answers, but the bot may not create topics
        service.clock.advance(seconds=PROBE_EVERY)
        assert not await group.probe(sender)
        await service.settle()
    assert (await (await service.client.get("/readyz")).json())["problems"] == [
        f"consultants' group {GROUP} unusable since 2026-01-05T05:00:00+00:00: "
        "the bot is not an administrator allowed to manage topics"]
    assert [c["method"] for c in api.calls].count("createForumTopic") == 1  # refused once, then left alone
    assert await statuses(service) == [("card", "pending")]  # waiting never uses up its attempts

    api.demoted.discard(GROUP)
    assert await group.probe(sender)
    service.clock.advance(seconds=PROBE_EVERY)
    await service.settle()

    assert await statuses(service) == [("card", "sent")]
    assert "desk_consultants_group_breaks_total 1.0" in await (await service.client.get("/metrics")).text()
