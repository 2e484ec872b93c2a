"""Curation: reopenings counted, drafts from consultants' answers, the base's version, digest claims.

Revision ID: 0009
Revises: 0005
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0007"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("tickets") as batch:
        batch.add_column(sa.Column("reopened", sa.Integer(), nullable=False, server_default="0"))
    op.create_table(
        "kb_drafts",
        sa.Column("id", BigId, primary_key=True),
        sa.Column("ticket_id", BigId, sa.ForeignKey("tickets.id", ondelete="SET NULL",
                                                   name="fk_kb_drafts_ticket_id_tickets"), nullable=True),
        sa.Column("lang", sa.String(2), nullable=False),
        sa.Column("author", sa.String(256), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("entry_id", sa.String(128), nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("decided_at", WHEN, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_kb_drafts"),
    )
    op.create_index("ix_kb_drafts_status", "kb_drafts", ["status"])
    op.create_table(
        "kb_state",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("changed_at", WHEN, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_kb_state"),
    )
    op.create_table(
        "digest_runs",
        sa.Column("week", sa.String(16), primary_key=True),
        sa.Column("claimed_at", WHEN, nullable=False),
        sa.PrimaryKeyConstraint("week", name="pk_digest_runs"),
    )


def downgrade() -> None:
    op.drop_table("digest_runs")
    op.drop_table("kb_state")
    op.drop_index("ix_kb_drafts_status", table_name="kb_drafts")
    op.drop_table("kb_drafts")
    with op.batch_alter_table("tickets") as batch:
        batch.drop_column("reopened")
