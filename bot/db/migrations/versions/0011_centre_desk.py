"""Consultants across centres: who a ticket is with, its first reply, its SLA flag; presence.

Existing tickets keep their centre (0010 gave every one `national`; a row left
without one, NULL or empty, is put there too, so every ticket has a centre the
desk can route). Their first reply is read back from the relayed messages, so
an old ticket already answered is never flagged late and the report counts it;
an old open ticket nobody answered is measured like a new one from its opening.
Nobody is present until they say /present.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("tickets") as batch:
        batch.add_column(sa.Column("consultant_id", sa.String(64), nullable=False, server_default=""))
        batch.add_column(sa.Column("first_reply_at", WHEN, nullable=True))
        batch.add_column(sa.Column("sla_flagged_at", WHEN, nullable=True))
    op.execute("UPDATE tickets SET centre = 'national' WHERE centre IS NULL OR centre = ''")
    op.execute(
        "UPDATE tickets SET first_reply_at = (SELECT MIN(m.created_at) FROM ticket_messages m "
        "WHERE m.ticket_id = tickets.id AND m.direction = 'to_user' AND m.kind = 'text' AND m.author <> '')"
    )
    op.create_table(
        "consultant_presence",
        sa.Column("centre", sa.String(32), nullable=False),
        sa.Column("consultant_id", sa.String(64), nullable=False),
        sa.Column("name", sa.String(256), nullable=False, server_default=""),
        sa.Column("handle", sa.String(64), nullable=False, server_default=""),
        sa.Column("present", sa.Boolean(), nullable=False),
        sa.Column("changed_at", WHEN, nullable=False),
        sa.Column("last_offered_at", WHEN, nullable=True),
        sa.PrimaryKeyConstraint("centre", "consultant_id", name="pk_consultant_presence"),
    )


def downgrade() -> None:
    op.drop_table("consultant_presence")
    with op.batch_alter_table("tickets") as batch:
        batch.drop_column("sla_flagged_at")
        batch.drop_column("first_reply_at")
        batch.drop_column("consultant_id")
