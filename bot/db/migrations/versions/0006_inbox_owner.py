"""Inbox: the instance that claimed a delivery; outbound messages kept until they go out.

The instance of a claim: so a restarted instance takes its own back at once.

A claim older than the lease belongs to a dead instance and is taken over then;
an instance that restarts (the same DESK_INSTANCE_ID, by default host and port)
recognises the deliveries it was working on and resumes them without waiting.

outbound_messages: a desk message a platform did not take at once (429, 5xx, a
timeout) is stored and sent again, in its chat's order, until a deadline.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("inbound_events", sa.Column("owner", sa.String(64), nullable=False, server_default=""))
    op.create_table(
        "outbound_messages",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("chat_id", sa.String(64), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deadline_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claim", sa.String(32), nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_outbound_messages"),
    )
    op.create_index("ix_outbound_messages_due", "outbound_messages", ["status", "next_attempt_at"])


def downgrade() -> None:
    op.drop_index("ix_outbound_messages_due", table_name="outbound_messages")
    op.drop_table("outbound_messages")
    with op.batch_alter_table("inbound_events") as batch:
        batch.drop_column("owner")
