"""Login throttling: too many failures within a window lock the account, and the address, for a while.

Per account (`DESK_CONSOLE_LOGIN_FAILURES`, 5 by default) a guesser cannot try many
passwords on one name; per address (`DESK_CONSOLE_ADDRESS_FAILURES`, 20) one client
cannot try a few passwords on every name. Both count the failures of the last
`DESK_CONSOLE_LOGIN_WINDOW_MINUTES` (15); a lock lasts until the oldest counted failure
leaves the window. While locked, the password is not even checked. Attempts are rows in
the database, so every instance of the desk counts the same failures.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import and_, delete, func, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.db.models import aware
from bot.db.staff import LoginAttempt


class LoginThrottle:
    def __init__(self, engine: AsyncEngine, per_account: int, per_address: int, window: dt.timedelta) -> None:
        self.engine, self.per_account, self.per_address, self.window = engine, per_account, per_address, window

    async def locked_for(self, account: str, address: str, now: dt.datetime) -> dt.timedelta | None:
        """How long this account or address stays locked, None when it may try."""
        since = now - self.window
        waits = []
        async with self.engine.connect() as conn:
            for column, value, limit in ((LoginAttempt.account, account, self.per_account),
                                         (LoginAttempt.address, address, self.per_address)):
                count, oldest = (await conn.execute(
                    select(func.count(), func.min(LoginAttempt.at))
                    .where(and_(column == value, LoginAttempt.at >= since, LoginAttempt.succeeded.is_(False))))).one()
                if count >= limit:
                    waits.append(aware(oldest) + self.window - now)
        return max(waits) if waits else None

    async def record(self, account: str, address: str, succeeded: bool, now: dt.datetime) -> None:
        """One attempt; a success clears the account's failures, and old rows are let go."""
        async with self.engine.begin() as conn:
            if succeeded:
                await conn.execute(delete(LoginAttempt).where(LoginAttempt.account == account,
                                                              LoginAttempt.succeeded.is_(False)))
            await conn.execute(delete(LoginAttempt).where(LoginAttempt.at < now - self.window))
            await conn.execute(insert(LoginAttempt).values(account=account, address=address, succeeded=succeeded,
                                                           at=now))
