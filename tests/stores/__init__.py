"""Each store test runs on the in-memory ports and on the SQL stores (SQLite, or PostgreSQL when configured)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.db.store import SqlDeskStore
from bot.db.tickets import SqlTicketStore
from bot.pipeline.outbox import Outbox
from handlers.memory import MemoryDeskStore, MemoryRelayOutbox, MemoryTicketStore
from handlers.ports import DeskStore, RelayOutbox, TicketStore
from tests.clock import FakeClock


@dataclass(frozen=True)
class Stores:
    """One implementation of the core's durable ports, sharing one memory or one database."""

    desk: DeskStore
    tickets: TicketStore
    outbox: RelayOutbox


def memory_stores(clock: FakeClock) -> Stores:
    outbox = MemoryRelayOutbox(clock)
    return Stores(MemoryDeskStore(), MemoryTicketStore(outbox), outbox)


def sql_stores(engine: AsyncEngine, clock: FakeClock) -> Stores:
    return Stores(SqlDeskStore(engine), SqlTicketStore(engine), Outbox(engine, clock))
