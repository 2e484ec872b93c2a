"""The consultants' Telegram group as the desk last found it: its id now, and what is wrong with it.

A group upgraded to a supergroup gets a new chat id; the desk follows it and
keeps it here, so a restart and every other instance use it too. A group the
bot cannot post into (removed, rights lost, topics off) is marked broken here
with the reason, so every instance holds the consultants' messages and says so.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "consultant_groups",
        sa.Column("configured_id", sa.BigInteger(), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("migrated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("problem", sa.Text(), nullable=False, server_default=""),
        sa.Column("problem_since", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("configured_id", name="pk_consultant_groups"),
    )


def downgrade() -> None:
    op.drop_table("consultant_groups")
