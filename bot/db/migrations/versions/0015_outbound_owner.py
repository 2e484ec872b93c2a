"""Outbound messages: the instance that claimed one, so a restarted instance sends its own at once.

Every desk message is now written before it is sent, claimed by the instance that
wrote it; after a kill, that instance (the same DESK_INSTANCE_ID) takes its own
unsent messages back without waiting for the lease.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("outbound_messages", sa.Column("owner", sa.String(64), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("outbound_messages") as batch:
        batch.drop_column("owner")
