"""The regional desk with the shipped centres file and no consultants connected: never a dead end."""

from __future__ import annotations

import pytest

from handlers import Channel, Desk, Inbound, InboundKind, Translator
from handlers.centres import CentreDirectory, Schedule
from handlers.memory import MemoryDeskStore
from handlers.working_hours import DEFAULT_HOURS, DEFAULT_TIMEZONE, KZ_HOLIDAYS
from knowledge import Matcher
from knowledge.centres import load_centres
from knowledge.loader import DEFAULT_DIR
from knowledge.regions import load_regions
from tests.clock import FakeClock


def shipped_centres() -> CentreDirectory:
    """The regions and centres files as shipped, on the default hours."""
    regions, problems = load_regions(DEFAULT_DIR)
    centres, found = load_centres(DEFAULT_DIR, regions)
    assert problems == found == []
    return CentreDirectory(regions, centres, Schedule(DEFAULT_HOURS, DEFAULT_TIMEZONE, KZ_HOLIDAYS))


@pytest.fixture
def desk(matcher: Matcher, translator: Translator) -> Desk:
    return Desk(matcher, MemoryDeskStore(), translator, clock=FakeClock(), centres=shipped_centres())


async def say(desk: Desk, text: str, kind: InboundKind = InboundKind.TEXT) -> list[str]:
    return [r.text for r in await desk.handle(Inbound(Channel.TELEGRAM, "42", kind, text, name="Айгерім"))]


async def test_without_consultants_a_karaganda_user_gets_the_centres_confirmed_contacts(desk: Desk) -> None:
    [reply] = await say(desk, "Соедините с консультантом, я из Караганды")
    assert reply.startswith(
        "Консультанты пока не принимают вопросы через этот бот.\n\n"
        "*Карагандинский областной гражданский центр (Карагандинский гражданский альянс)*\n"
        "Адрес: г. Караганда, ул. Гоголя, 31, офисы 201 и 204\n"
        "Телефон: +7 (7212) 400861, 400862\n"
        "Часы работы неизвестны, поэтому перед визитом позвоните."
    )


async def test_without_consultants_a_user_of_a_region_without_contacts_is_sent_to_the_akimat(desk: Desk) -> None:
    [asked] = await say(desk, "Кеңесшіге қосыңыз")
    assert asked.startswith("Қай өңірдесіз?")
    [reply] = await say(desk, "reg:astana:esc", InboundKind.CHOICE)
    assert reply == (
        "Кеңесшілер бұл бот арқылы әзірге сұрақ қабылдамайды.\n\n"
        "«Астана» бойынша азаматтық орталықтың расталған байланыс деректері бізде әзірге жоқ. "
        "Өңірде ҮЕҰ-мен кім жұмыс істейтінін облыс не қала әкімдігі біледі: оның қоғамдық даму "
        "(ішкі саясат) басқармасына хабарласыңыз."
    )


async def test_the_region_word_opens_the_choice_and_a_stale_region_button_is_refused(desk: Desk) -> None:
    [asked] = await say(desk, "Регион")
    assert asked.startswith("Қай өңірдесіз?")  # a new user's language is still the default
    stale, _menu = await say(desk, "reg:atlantis:-", InboundKind.CHOICE)
    assert stale == "Бұл батырма ескірген. Міне, қазіргі мәзір."


async def test_a_region_typed_instead_of_chosen_is_remembered_and_escalation_asks_no_more(desk: Desk) -> None:
    [asked] = await say(desk, "Кеңесшіге қосыңыз")
    assert asked.startswith("Қай өңірдесіз?")
    assert await say(desk, "Қарағанды облысы") == [
        "Сіздің өңіріңіз: Қарағанды облысы. Өзгерту үшін /region командасын немесе «аймақ» сөзін жіберіңіз."
    ]
    [reply] = await say(desk, "Кеңесшіге қосыңыз")
    assert "+7 (7212) 400861, 400862" in reply
