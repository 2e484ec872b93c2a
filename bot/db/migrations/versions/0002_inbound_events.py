"""Durable inbox of webhook deliveries.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "inbound_events",
        sa.Column("id", BigId, primary_key=True),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("event_key", sa.String(128), nullable=False),
        sa.Column("order_key", sa.String(128), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_inbound_events"),
        sa.UniqueConstraint("channel", "event_key", name="uq_inbound_events_channel"),
    )
    op.create_index("ix_inbound_events_status", "inbound_events", ["status"])


def downgrade() -> None:
    op.drop_index("ix_inbound_events_status", table_name="inbound_events")
    op.drop_table("inbound_events")
