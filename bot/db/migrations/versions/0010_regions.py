"""Regions: the user's region and the civic centre of each ticket.

Existing users get no region (NULL): the desk asks them when it first matters.
Existing tickets belong to the national centre, whose group is the one group
the desk had before (DESK_CONSULTANT_CHAT_ID).

Revision ID: 0010
Revises: 0005
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("region", sa.String(32), nullable=True))
    with op.batch_alter_table("tickets") as batch:
        batch.add_column(sa.Column("centre", sa.String(32), nullable=False, server_default="national"))


def downgrade() -> None:
    with op.batch_alter_table("tickets") as batch:
        batch.drop_column("centre")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("region")
