"""Inbox: index the open deliveries by chat, in place of an index of every row's status.

The claim of each delivery asks whether an earlier one of its chat is still open.
With only a status index that meant visiting every open row for each claim; a
partial index of the open rows by (channel, order_key, id) answers it with one
lookup, stays as small as the backlog, and a delivery leaves it when it is done.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-21
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

OPEN = sa.text("status IN ('pending', 'processing')")


def upgrade() -> None:
    op.create_index("ix_inbound_events_open_chat", "inbound_events", ["channel", "order_key", "id"],
                    postgresql_where=OPEN, sqlite_where=OPEN)
    op.drop_index("ix_inbound_events_status", table_name="inbound_events")


def downgrade() -> None:
    op.create_index("ix_inbound_events_status", "inbound_events", ["status"])
    op.drop_index("ix_inbound_events_open_chat", table_name="inbound_events")
