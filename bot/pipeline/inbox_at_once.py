"""Storing and claiming the inbox's deliveries in one statement, on PostgreSQL.

`inbox_table.store_claiming` inserts a batch, then claims the rows to be processed at once
with a second statement: on PostgreSQL four round trips (BEGIN, INSERT, UPDATE, COMMIT),
each waiting for a turn of a busy event loop, while every webhook of the batch waits for its
200. Here one INSERT decides each new row's status as it writes it, and commits on its own.

The claim's rules are `Claims.claim`'s for a row just stored (open, no attempt yet): it is
claimed (processing, one attempt, this instance's) when asked for, unless its chat has an
open delivery already stored (on any instance) or an earlier one new in the same batch; then
it stays pending (BLOCKED). A row no other transaction can see yet has no other claimant.
Every row the statement sees has a smaller id than the ones it adds (sequence values are
taken before their rows commit), so "earlier" needs no id comparison.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from sqlalchemy import Connection, DateTime, bindparam, text

from bot.db.models import utcnow


class Delivery(Protocol):
    """What is stored of a delivery (`inbox_table.Arrival`)."""

    @property
    def channel(self) -> str: ...
    @property
    def event_key(self) -> str: ...
    @property
    def order_key(self) -> str: ...
    @property
    def payload(self) -> str: ...

STORE_CLAIMING = text("""
WITH arrivals AS (
    SELECT * FROM unnest(CAST(:channels AS text[]), CAST(:event_keys AS text[]), CAST(:order_keys AS text[]),
                         CAST(:payloads AS text[]), CAST(:now_wanted AS boolean[]))
        WITH ORDINALITY AS a(channel, event_key, order_key, payload, wanted, position)
), decided AS (
    SELECT a.*, a.wanted AND (a.order_key = '' OR (
        NOT EXISTS (SELECT 1 FROM inbound_events open_one
                    WHERE open_one.channel = a.channel AND open_one.order_key = a.order_key
                      AND open_one.status IN ('pending', 'processing'))
        AND NOT EXISTS (SELECT 1 FROM arrivals new_one
                        WHERE new_one.channel = a.channel AND new_one.order_key = a.order_key
                          AND new_one.position < a.position
                          AND NOT EXISTS (SELECT 1 FROM inbound_events stored
                                          WHERE stored.channel = new_one.channel
                                            AND stored.event_key = new_one.event_key)))) AS claimed
    FROM arrivals a
)
INSERT INTO inbound_events (channel, event_key, order_key, payload, status, attempts, error, received_at,
                            processed_at, owner)
SELECT channel, event_key, order_key, payload, CASE WHEN claimed THEN 'processing' ELSE 'pending' END,
       CASE WHEN claimed THEN 1 ELSE 0 END, '', :now, CASE WHEN claimed THEN :now END,
       CASE WHEN claimed THEN :owner ELSE '' END
FROM decided ORDER BY position
ON CONFLICT (channel, event_key) DO NOTHING
RETURNING id, channel, event_key, status
""").bindparams(bindparam("now", type_=DateTime(timezone=True)))


def store_claiming(conn: Connection, batch: Sequence[tuple[Delivery, bool]],
                   owner: str) -> dict[tuple[str, str], tuple[int, bool]]:
    """Store a batch of (delivery, to be claimed now), each key once, claiming for `owner` what it
    may: the new rows by (channel, event key), each its id and whether it was claimed."""
    rows = conn.execute(STORE_CLAIMING, {
        "channels": [a.channel for a, _ in batch], "event_keys": [a.event_key for a, _ in batch],
        "order_keys": [a.order_key for a, _ in batch], "payloads": [a.payload for a, _ in batch],
        "now_wanted": [now for _, now in batch], "now": utcnow(), "owner": owner})
    return {(row.channel, row.event_key): (row.id, row.status == "processing") for row in rows}
