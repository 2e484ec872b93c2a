"""Reminders: subscriptions by stream, each reminder sent once, the sender's lease.

Revision ID: 0012
Revises: 0010
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
WHEN = sa.DateTime(timezone=True)


def _user() -> sa.Column:
    return sa.Column("user_id", BigId, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False)


def upgrade() -> None:
    op.create_table(
        "reminder_subscriptions",
        sa.Column("id", BigId, primary_key=True),
        _user(),
        sa.Column("stream", sa.String(64), nullable=False),
        sa.Column("own_region", sa.Boolean(), nullable=False),
        sa.Column("subscribed_at", WHEN, nullable=False),
        sa.Column("stopped_at", WHEN, nullable=True),
        sa.Column("stop_reason", sa.String(16), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_reminder_subscriptions"),
        sa.UniqueConstraint("user_id", "stream", name="uq_reminder_subscriptions_user_id"),
    )
    op.create_table(
        "sent_reminders",
        sa.Column("id", BigId, primary_key=True),
        sa.Column("event_id", sa.String(128), nullable=False),
        sa.Column("occurrence", sa.String(10), nullable=False),
        sa.Column("offset_days", sa.Integer(), nullable=False),
        _user(),
        sa.Column("stream", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("external_id", sa.String(128), nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("settled_at", WHEN, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_sent_reminders"),
        sa.UniqueConstraint("event_id", "occurrence", "offset_days", "user_id", name="uq_sent_reminders_once"),
    )
    op.create_index("ix_sent_reminders_status", "sent_reminders", ["status"])
    op.create_table(
        "reminder_leases",
        sa.Column("name", sa.String(32), nullable=False),
        sa.Column("holder", sa.String(128), nullable=False),
        sa.Column("expires_at", WHEN, nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_reminder_leases"),
    )


def downgrade() -> None:
    op.drop_table("reminder_leases")
    op.drop_index("ix_sent_reminders_status", table_name="sent_reminders")
    op.drop_table("sent_reminders")
    op.drop_table("reminder_subscriptions")
