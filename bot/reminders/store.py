"""SqlSubscriptionStore: the desk's SubscriptionStore port on SQLAlchemy Core.

Subscribing again after a stop reuses the user's row of that stream: the
subscription starts anew at that moment (reminders due earlier are not sent).
"""

from __future__ import annotations

from sqlalchemy import case, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.db.dialect import insert_on_conflict
from bot.db.models import utcnow
from bot.reminders.tables import ReminderSubscription
from handlers.ports import Clock, Subscription

subscriptions = ReminderSubscription.__table__


class SqlSubscriptionStore:
    def __init__(self, engine: AsyncEngine, clock: Clock = utcnow) -> None:
        self.engine = engine
        self.clock = clock

    async def subscriptions(self, user_id: int) -> list[Subscription]:
        async with self.engine.connect() as conn:
            rows = await conn.execute(
                select(subscriptions.c.stream, subscriptions.c.own_region)
                .where(subscriptions.c.user_id == user_id, subscriptions.c.stopped_at.is_(None))
                .order_by(subscriptions.c.id))
            return [Subscription(row.stream, bool(row.own_region)) for row in rows]

    async def subscribe(self, user_id: int, subscription: Subscription) -> None:
        statement = insert_on_conflict(self.engine, subscriptions).values(
            user_id=user_id, stream=subscription.stream, own_region=subscription.own_region,
            subscribed_at=self.clock(), stopped_at=None, stop_reason="")
        # An active row only changes its scope; a stopped one starts again now.
        restarted = case((subscriptions.c.stopped_at.is_(None), subscriptions.c.subscribed_at),
                         else_=statement.excluded.subscribed_at)
        async with self.engine.begin() as conn:
            await conn.execute(statement.on_conflict_do_update(
                index_elements=[subscriptions.c.user_id, subscriptions.c.stream],
                set_={"own_region": subscription.own_region, "subscribed_at": restarted,
                      "stopped_at": None, "stop_reason": ""}))

    async def stop(self, user_id: int, stream: str | None = None, reason: str = "user") -> int:
        condition = [subscriptions.c.user_id == user_id, subscriptions.c.stopped_at.is_(None)]
        if stream is not None:
            condition.append(subscriptions.c.stream == stream)
        async with self.engine.begin() as conn:
            result = await conn.execute(update(subscriptions).where(*condition)
                                        .values(stopped_at=self.clock(), stop_reason=reason[:16]))
        return int(result.rowcount or 0)
