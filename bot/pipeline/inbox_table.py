"""The inbox's table: its statements, the claim protocol, and `InboxTable`, which runs them.

Claims are one conditional UPDATE (pending -> processing), so only one instance
ever processes a row, on SQLite and PostgreSQL alike. A row is claimable while it
is open and has attempts left, and either pending, or processing under a claim
that is stale (older than the lease: its instance died) or this instance's own
(it restarted, or lost the database mid-work: it knows the row is not in hand).
A chat's rows are claimed in arrival order: not while an earlier one is open.
"""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any, TypeVar

from sqlalchemy import Connection, Row, and_, bindparam, func, literal_column, or_, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.db.batch import GroupCommit
from bot.db.dialect import ids_in, insert_on_conflict
from bot.db.models import InboundEvent, utcnow
from bot.db.rendered import InsertRows, Statement
from bot.pipeline import inbox_at_once
from bot.pipeline.outbound_table import Message

MAX_ATTEMPTS = 5
T = TypeVar("T")
OPEN = ("pending", "processing")
ACKNOWLEDGEMENTS = "acknowledgements"  # the group-commit lane of the stores, which a 200 waits on
CLAIMS = "claims"  # the lane of the claims, which each update's processing waits on
events = InboundEvent.__table__
earlier = events.alias("earlier")  # built once: the claim's statement is then compiled once, from cache


def is_open(status: Any) -> Any:
    """status IN ('pending', 'processing'), the values written into the SQL as the partial index
    (ix_inbound_events_open_chat) says them: SQLite uses a partial index only then."""
    return status.in_([literal_column(f"'{value}'") for value in OPEN])


# No earlier delivery of the row's chat is still open (on this instance or any other).
NOT_BLOCKED = or_(events.c.order_key == "", ~select(earlier.c.id).where(
    earlier.c.channel == events.c.channel, earlier.c.order_key == events.c.order_key,
    earlier.c.id < events.c.id, is_open(earlier.c.status)).exists())


def claimable(stale: Any, owner: Any) -> Any:
    """Open and not given up: pending, or processing under a stale claim or one of `owner`'s."""
    return and_(is_open(events.c.status), events.c.attempts < MAX_ATTEMPTS, or_(
        events.c.status == "pending", and_(events.c.status == "processing", or_(
            events.c.processed_at < stale, events.c.owner == owner))))


# The hot statements, compiled once per database kind (`Statement`).
CLAIMABLE = claimable(bindparam("stale"), bindparam("owner"))
CLAIM = Statement(lambda dialect: update(events).where(ids_in(events.c.id, dialect), CLAIMABLE, NOT_BLOCKED).values(
    status="processing", attempts=events.c.attempts + 1, processed_at=bindparam("now"),
    owner=bindparam("owner")).returning(events.c.id), ("ids", "stale", "now", "owner"))
STILL_OPEN = Statement(lambda dialect: select(events.c.id).where(
    ids_in(events.c.id, dialect), events.c.order_key != "", CLAIMABLE), ("ids", "stale", "owner"))
FINISH_DONE = Statement(lambda dialect: update(events).where(ids_in(events.c.id, dialect)).values(
    status="done", error="", processed_at=bindparam("now")), ("ids", "now"))
FINISH_ONE = update(events).where(events.c.id == bindparam("event_id")).values(
    status=bindparam("outcome"), error=bindparam("reason"), processed_at=bindparam("now"))
# A transient failure hands the row back uncounted: an outage must not use up its attempts.
RETRY_LATER = update(events).where(events.c.id == bindparam("event_id"), events.c.status == "processing").values(
    status="pending", attempts=events.c.attempts - 1, error=bindparam("reason"))
DONE, FAILED, RETRY = "done", "failed", "retry"
Keep = Callable[[Connection, Sequence[Message]], None]  # writes outbound messages in a transaction


# INSERT deliveries, skipping those already stored; RETURNING the new rows' keys.
STORE_NEW = InsertRows(lambda dialect: insert_on_conflict(dialect, events).on_conflict_do_nothing(
    index_elements=[events.c.channel, events.c.event_key]).returning(events.c.id, events.c.channel, events.c.event_key),
    ("channel", "event_key", "order_key", "payload", "status", "attempts", "error", "received_at", "owner"))


@dataclass(frozen=True)
class Arrival:
    """A delivery on its way into the table."""

    channel: str
    event_key: str
    order_key: str
    payload: str  # JSON


@dataclass(frozen=True)
class Outcome:
    """How the processing of a claimed row ended: done, failed (for good) or retry (uncounted);
    when done, the messages it made (written with it)."""

    event_id: int
    status: str
    error: str = ""
    messages: Sequence[Message] = ()


def store(conn: Connection, arrivals: Sequence[Arrival]) -> list[int | None]:
    """Insert a batch, skipping keys already stored; the new rows' ids, None for duplicates.

    Ids follow the batch's order, so a chat's deliveries keep their arrival order.
    """
    first = _first_of_each_key(arrivals)
    now = utcnow()
    rows = STORE_NEW.run(conn, [(a.channel, a.event_key, a.order_key, a.payload, "pending", 0, "", now, "")
                                for a in first.values()])
    return _per_arrival(arrivals, first, {(channel, event_key): event_id for event_id, channel, event_key in rows})


def store_claiming(conn: Connection, items: Sequence[tuple[Arrival, bool]],
                   claims: Claims) -> list[tuple[int, Claim | None] | None]:
    """Store a batch (`store`); the new rows flagged for this instance are claimed in the same
    transaction (the same conditions as `Claims.claim`): they need no claim round of their own.
    On PostgreSQL one statement does both (`inbox_at_once`)."""
    arrivals = [arrival for arrival, _ in items]
    if conn.dialect.name == "postgresql":
        first = _first_of_each_key(arrivals)
        wanted = {(a.channel, a.event_key): now for a, now in reversed(items)}  # each key's first arrival's wish
        stored = inbox_at_once.store_claiming(conn, [(a, wanted[key]) for key, a in first.items()], claims.owner)
        rows = _per_arrival(arrivals, first, stored)
        return [None if row is None else (row[0], (Claim.OWNED if row[1] else Claim.BLOCKED) if now else None)
                for (_, now), row in zip(items, rows, strict=True)]
    ids = store(conn, arrivals)
    wanted_ids = [event_id for (_, now), event_id in zip(items, ids, strict=True) if now and event_id is not None]
    won = dict(zip(wanted_ids, claims.claim(conn, wanted_ids), strict=True)) if wanted_ids else {}
    return [None if event_id is None else (event_id, won.get(event_id))
            for event_id in ids]


def _first_of_each_key(arrivals: Sequence[Arrival]) -> dict[tuple[str, str], Arrival]:
    """Each delivery key's first arrival in a batch, in batch order."""
    first: dict[tuple[str, str], Arrival] = {}
    for arrival in arrivals:
        first.setdefault((arrival.channel, arrival.event_key), arrival)
    return first


def _per_arrival(arrivals: Sequence[Arrival], first: dict[tuple[str, str], Arrival],
                 stored: dict[tuple[str, str], T]) -> list[T | None]:
    """What was stored for each arrival; None for a key already stored and for a key's later arrivals."""
    keys = [(a.channel, a.event_key) for a in arrivals]
    return [stored.get(key) if first[key] is arrival else None for key, arrival in zip(keys, arrivals, strict=True)]


def one_insert(dialect: str) -> Callable[[Sequence[tuple[Arrival, bool]]], bool]:
    """Which batches `store_claiming` writes in one INSERT (committed without BEGIN and COMMIT):
    on PostgreSQL all of them, elsewhere those of stores only."""
    if dialect == "postgresql":
        return lambda items: True
    return lambda items: not any(now for _, now in items)


def record_outcomes(conn: Connection, outcomes: Sequence[Outcome], keep: Keep | None = None) -> list[None]:
    """The successes in one UPDATE, with the messages they made (`keep` writes them in the same
    transaction: an update is done exactly when its answer is stored); each failure with its
    error; each retry handed back pending."""
    now = utcnow()
    done = [outcome.event_id for outcome in outcomes if outcome.status == DONE]
    made = [message for outcome in outcomes if outcome.status == DONE for message in outcome.messages]
    if made and keep is not None:
        keep(conn, made)
    if done:
        FINISH_DONE.run(conn, (done, now))
    for outcome in outcomes:
        if outcome.status == RETRY:
            conn.execute(RETRY_LATER, {"event_id": outcome.event_id, "reason": outcome.error})
        elif outcome.status != DONE:
            conn.execute(FINISH_ONE, {"event_id": outcome.event_id, "outcome": outcome.status,
                                      "reason": outcome.error, "now": now})
    return [None] * len(outcomes)


class Claim(enum.Enum):
    OWNED = "owned"      # this worker processes it
    TAKEN = "taken"      # done, failed or held by another instance: nothing to do
    BLOCKED = "blocked"  # an earlier message of the chat is still open


@dataclass(frozen=True)
class Claims:
    """The claim of one instance (`owner`) under its lease."""

    owner: str
    lease: dt.timedelta

    def claim(self, conn: Connection, ids: Sequence[int]) -> list[Claim]:
        """One conditional UPDATE claims every row of the batch it may: one winner per row."""
        now = utcnow()
        stale = now - self.lease
        owned = {event_id for event_id, in CLAIM.run(conn, (list(ids), stale, now, self.owner))}
        rest = [event_id for event_id in ids if event_id not in owned]
        still_open = {event_id for event_id, in STILL_OPEN.run(conn, (rest, stale, self.owner))} if rest else set()
        claims = []
        for event_id in ids:
            if event_id in owned:
                owned.discard(event_id)  # a row asked for twice in one group commit is won once
                claims.append(Claim.OWNED)
            else:
                claims.append(Claim.BLOCKED if event_id in still_open else Claim.TAKEN)
        return claims

    def claimable(self, now: dt.datetime) -> Any:
        return claimable(now - self.lease, self.owner)


class InboxTable:
    """The inbox's rows for one instance (`claims.owner`).

    Stores, claims and outcomes are group-committed, one of each per update: the stores and the
    claims each in a lane of their own, so neither waits behind a flush of the processing
    writes (a claim per transaction cost 0.2-0.3 ms of CPU per update: benchmarks/README.md).
    A delivery processed at once is claimed with its store (`store_and_claim`): one round, not
    two (benchmarks/README.md). Hand-backs and sweeps are plain transactions.
    """

    def __init__(self, engine: AsyncEngine, *, owner: str = "", lease: float = 300.0,
                 keep: Keep | None = None) -> None:
        """`owner`: this instance's identity (DESK_INSTANCE_ID), the same after a restart; by
        default one of its own, which no other instance shares. `lease`: seconds after which
        another instance's claim is taken to be a dead one's. `keep`: writes the messages a done
        update made in its outcome's transaction (`Outbound.store`)."""
        self.engine = engine
        self.claims = Claims(owner or f"inbox-{uuid.uuid4().hex[:12]}", dt.timedelta(seconds=lease))
        self._stores = GroupCommit(engine, partial(store_claiming, claims=self.claims), lane=ACKNOWLEDGEMENTS,
                                   one_statement=one_insert(engine.dialect.name))
        self._outcomes = GroupCommit(engine, partial(record_outcomes, keep=keep))
        self._claims = GroupCommit(engine, self.claims.claim, lane=CLAIMS)

    async def store(self, arrival: Arrival) -> int | None:
        """The new row's id once committed; None when the delivery was stored before."""
        stored = await self._stores.submit((arrival, False))
        return None if stored is None else stored[0]

    async def store_and_claim(self, arrival: Arrival) -> tuple[int, Claim] | None:
        """Store a delivery this instance processes at once, claimed in the same transaction:
        its id and claim (OWNED, or BLOCKED behind an open earlier message of its chat); None
        when it was stored before."""
        stored = await self._stores.submit((arrival, True))
        if stored is None:
            return None
        event_id, claim = stored
        assert claim is not None  # asked for with the store
        return event_id, claim

    async def record(self, outcome: Outcome) -> None:
        await self._outcomes.submit(outcome)

    async def claim(self, event_id: int) -> Claim:
        """pending (or stale) -> processing, counting the attempt."""
        return await self._claims.submit(event_id)

    async def release(self, event_id: int) -> None:
        """Hand a claim back uncounted (shutdown cancelled the work), so the next start takes it at once."""
        async with self.engine.begin() as conn:
            await conn.execute(update(events).where(
                events.c.id == event_id, events.c.status == "processing").values(status="pending"))

    async def open_rows(self, limit: int) -> Sequence[Row[Any]]:
        """The oldest rows this instance may claim (id, channel, payload, order_key).

        Rows that used up their attempts are failed first, so they no longer hold back their chat.
        """
        now = utcnow()
        async with self.engine.begin() as conn:
            await conn.execute(update(events).where(
                is_open(events.c.status), events.c.attempts >= MAX_ATTEMPTS,
                or_(events.c.status == "pending",
                    and_(events.c.status == "processing", events.c.processed_at < now - self.claims.lease)),
            ).values(status="failed", error=f"gave up after {MAX_ATTEMPTS} attempts", processed_at=now))
            return (await conn.execute(
                select(events.c.id, events.c.channel, events.c.payload, events.c.order_key)
                .where(self.claims.claimable(now)).order_by(events.c.id).limit(limit))).all()

    async def depth(self) -> dict[str, int]:
        """How many rows are open, by status."""
        async with self.engine.connect() as conn:
            counts = dict((await conn.execute(select(events.c.status, func.count()).where(
                is_open(events.c.status)).group_by(events.c.status))).all())
        return {status: counts.get(status, 0) for status in OPEN}
