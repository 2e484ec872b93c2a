"""`civic-desk tickets`: what the centre's head sees about the open tickets."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app import cli
from bot.app.config import Settings
from bot.db.models import utcnow
from bot.db.store import SqlDeskStore
from bot.db.tickets import SqlTicketStore
from bot.ops.ticket_list import age
from handlers import Channel
from handlers.ports import NewTicket


async def open_ticket(engine: AsyncEngine, channel: Channel, chat_id: str, name: str, ago: dt.timedelta,
                      centre: str = "national") -> int:
    user = await SqlDeskStore(engine).touch_user(channel, chat_id, name)
    ticket, _ = await SqlTicketStore(engine).open(NewTicket(user.id, channel, chat_id, name, "", "kk", (),
                                                            utcnow() - ago, centre))
    return ticket.id


async def test_open_tickets_are_listed_with_age_and_assignee(
        engine: AsyncEngine, settings: Settings, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    tickets = SqlTicketStore(engine)
    first = await open_ticket(engine, Channel.WHATSAPP, "77011234567", "Айгерім", dt.timedelta(hours=2, minutes=5),
                              "karaganda")
    await open_ticket(engine, Channel.TELEGRAM, "4242", "Айгүл Серікова", dt.timedelta(minutes=7, seconds=30))
    closed = await open_ticket(engine, Channel.TELEGRAM, "5353", "Ерлан", dt.timedelta(days=1))
    await tickets.assign(first, "Асель", utcnow())
    await tickets.close(closed, "consultant", utcnow())
    monkeypatch.setenv("DESK_DATABASE_URL", settings.database_url)

    assert await asyncio.to_thread(cli.run, ["tickets"]) == 0  # the command runs its own loop

    assert capsys.readouterr().out.splitlines() == [
        "ticket  centre     channel   lang  name            age     assignee",
        "№1      karaganda  whatsapp  kk    Айгерім         2h 05m  Асель",
        "№2      national   telegram  kk    Айгүл Серікова  7m      — waiting —",
        "2 open, 1 waiting for a consultant",
    ]

    # One centre's tickets; a centre the file does not know gets a line naming the known ones.
    assert await asyncio.to_thread(cli.run, ["tickets", "--centre", "karaganda"]) == 0
    assert capsys.readouterr().out.splitlines()[1:] == [
        "№1      karaganda  whatsapp  kk    Айгерім  2h 05m  Асель", "1 open, 0 waiting for a consultant"]
    assert await asyncio.to_thread(cli.run, ["tickets", "--centre", "semey"]) == 2
    assert capsys.readouterr().err == (
        "civic-desk tickets: no centre 'semey' in centres.yaml; the centres are: national, karaganda\n")


def test_ages_read_at_a_glance() -> None:
    assert [age(dt.timedelta(minutes=m)) for m in (0, 59, 61, 60 * 24 * 3 + 65)] == ["0m", "59m", "1h 01m",
                                                                                        "3d 01h"]
