"""Inbox: the instance that claimed a delivery, so a restarted instance takes its own back at once.

A claim older than the lease belongs to a dead instance and is taken over then;
an instance that restarts (the same DESK_INSTANCE_ID, by default host and port)
recognises the deliveries it was working on and resumes them without waiting.

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


def downgrade() -> None:
    with op.batch_alter_table("inbound_events") as batch:
        batch.drop_column("owner")
