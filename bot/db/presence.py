"""SqlPresenceStore: who is present in each centre's group, and whose turn the next ticket is.

The turn is the present consultant offered a ticket longest ago (never first),
among those holding fewer open tickets than the cap. Two instances opening
tickets at once must not both pick the same turn: the pick is claimed with a
conditional UPDATE on `last_offered_at`, and a lost claim looks again.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from bot.db.dialect import insert_on_conflict
from bot.db.models import ConsultantPresence as Row
from bot.db.models import TicketRow
from handlers.ports import Presence, TicketStatus
from handlers.types import Person

CLAIMS = 5  # tries when other instances keep taking the same turn
presence = Row.__table__


class SqlPresenceStore:
    def __init__(self, engine: AsyncEngine) -> None:
        self.sessions = async_sessionmaker(engine, expire_on_commit=False)

    async def set_present(self, centre: str, person: Person, present: bool, at: dt.datetime) -> None:
        values = {"name": person.name[:256], "handle": person.handle[:64], "present": present, "changed_at": at}
        async with self.sessions.begin() as session:
            insert = insert_on_conflict(session.bind.dialect.name, presence)  # type: ignore[union-attr]
            await session.execute(insert.values(centre=centre, consultant_id=person.id, **values)
                                  .on_conflict_do_update(index_elements=[presence.c.centre, presence.c.consultant_id],
                                                         set_=values))

    async def roster(self, centre: str) -> list[Presence]:
        async with self.sessions() as session:
            rows = (await session.execute(select(Row).where(Row.centre == centre).order_by(
                Row.present.desc(), Row.last_offered_at.asc().nulls_first(), Row.changed_at))).scalars().all()
            loads = await self._loads(session, [row.consultant_id for row in rows])
        return [Presence(Person(row.consultant_id, row.name, row.handle), row.present, loads.get(row.consultant_id, 0))
                for row in rows]

    @staticmethod
    async def _loads(session, ids: list[str]) -> dict[str, int]:  # type: ignore[no-untyped-def]
        if not ids:
            return {}
        counted = await session.execute(select(TicketRow.consultant_id, func.count()).where(
            TicketRow.status == TicketStatus.OPEN.value, TicketRow.consultant_id.in_(ids))
            .group_by(TicketRow.consultant_id))
        return dict(counted.all())

    async def offer(self, ticket_id: int, centre: str, limit: int, at: dt.datetime) -> Person | None:
        for _try in range(CLAIMS):
            turn = next((p for p in await self.roster(centre) if p.present and p.open_tickets < limit), None)
            if turn is None:
                return None
            if await self._claim(ticket_id, centre, turn.person.id, at):
                return turn.person
        return None

    async def _claim(self, ticket_id: int, centre: str, consultant_id: str, at: dt.datetime) -> bool:
        async with self.sessions.begin() as session:
            previous = await session.scalar(select(Row.last_offered_at).where(
                Row.centre == centre, Row.consultant_id == consultant_id))
            same = Row.last_offered_at.is_(None) if previous is None else Row.last_offered_at == previous
            claimed = await session.execute(update(Row).where(
                Row.centre == centre, Row.consultant_id == consultant_id, Row.present.is_(True), same)
                .values(last_offered_at=at))
            if claimed.rowcount != 1:
                return False
            await session.execute(update(TicketRow).where(TicketRow.id == ticket_id, TicketRow.assignee == "")
                                  .values(consultant_id=consultant_id))
        return True
