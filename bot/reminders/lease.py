"""One sender across instances: a lease row in the database, renewed by its holder.

Every instance's scheduler asks each tick; the holder renews it, the others
take it only once it has expired (its holder died or stopped). The holder is the
instance's name (DESK_INSTANCE_ID, else host:port), so an instance restarted
under the same name takes its lease back at once. The lease only keeps the work
in one place (and the platforms' rate limits, which each process paces on its
own); each reminder is sent once by the unique key of `sent_reminders` whatever
the lease does.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import or_, update
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.db.dialect import insert_on_conflict
from bot.reminders.tables import ReminderLease
from handlers.ports import Clock

leases = ReminderLease.__table__


class Lease:
    def __init__(self, engine: AsyncEngine, holder: str, ttl: float, clock: Clock, name: str = "reminders") -> None:
        self.engine = engine
        self.holder = holder[:128]
        self.ttl = dt.timedelta(seconds=ttl)
        self.clock = clock
        self.name = name

    async def acquire(self) -> bool:
        """Take or renew the lease; False while another instance holds it."""
        now = self.clock()
        async with self.engine.begin() as conn:
            taken = await conn.execute(update(leases).where(
                leases.c.name == self.name, or_(leases.c.holder == self.holder, leases.c.expires_at < now))
                .values(holder=self.holder, expires_at=now + self.ttl))
            if taken.rowcount == 1:
                return True
            created = await conn.execute(insert_on_conflict(self.engine, leases).values(
                name=self.name, holder=self.holder, expires_at=now + self.ttl).on_conflict_do_nothing())
            return created.rowcount == 1

    async def release(self) -> None:
        """A graceful stop hands the work over at once instead of after the lease."""
        async with self.engine.begin() as conn:
            await conn.execute(update(leases).where(leases.c.name == self.name, leases.c.holder == self.holder)
                               .values(expires_at=self.clock() - dt.timedelta(seconds=1)))
