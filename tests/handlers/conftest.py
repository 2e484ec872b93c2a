"""The core on its own: the desk and a team of consultants on the in-memory ports, a clock the test sets.

Nothing here touches a database or a messenger: the tests read what the desk
stored and queued from the memory stores themselves.
"""

from __future__ import annotations

import datetime as dt

import pytest

from handlers import Channel, Desk, Team, Translator
from handlers.memory import MemoryDeskStore, MemoryRelayOutbox, MemoryTicketStore
from handlers.working_hours import WorkingHours
from knowledge import Matcher
from tests.clock import FakeClock


@pytest.fixture
def memory_store() -> MemoryDeskStore:
    return MemoryDeskStore()


@pytest.fixture
def outbox(clock: FakeClock) -> MemoryRelayOutbox:
    """Nothing delivers: the tests read what the desk queued."""
    return MemoryRelayOutbox(clock)


@pytest.fixture
def ticket_store(outbox: MemoryRelayOutbox) -> MemoryTicketStore:
    return MemoryTicketStore(outbox)


@pytest.fixture
def team(ticket_store: MemoryTicketStore, outbox: MemoryRelayOutbox, memory_store: MemoryDeskStore,
         translator: Translator, clock: FakeClock) -> Team:
    return Team(ticket_store, outbox, memory_store, translator, WorkingHours.parse(), clock,
                reply_windows={Channel.WHATSAPP: dt.timedelta(hours=24)})


@pytest.fixture
def desk(matcher: Matcher, memory_store: MemoryDeskStore, translator: Translator, team: Team) -> Desk:
    return Desk(matcher, memory_store, translator, team=team)
