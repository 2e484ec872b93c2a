"""The desk with a team of consultants: real ticket store and outbox, a clock the test sets."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.db.store import SqlDeskStore
from bot.db.tickets import SqlTicketStore
from bot.pipeline.outbox import Outbox
from handlers import Channel, Desk, Team, Translator
from handlers.working_hours import WorkingHours
from knowledge import Matcher
from tests.clock import FakeClock


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def outbox(engine: AsyncEngine, clock: FakeClock) -> Outbox:
    """Nothing registered to deliver: the tests read what the desk queued."""
    return Outbox(engine, clock)


@pytest.fixture
def team(engine: AsyncEngine, outbox: Outbox, translator: Translator, clock: FakeClock) -> Team:
    return Team(SqlTicketStore(engine), outbox, SqlDeskStore(engine), translator, WorkingHours.parse(), clock,
                reply_windows={Channel.WHATSAPP: dt.timedelta(hours=24)})


@pytest.fixture
def desk(matcher: Matcher, store: SqlDeskStore, translator: Translator, team: Team) -> Desk:
    return Desk(matcher, store, translator, team=team)
