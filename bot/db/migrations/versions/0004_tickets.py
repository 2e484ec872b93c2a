"""Consultant desk: tickets, their forum topics, and the relayed messages (the outbox).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-21
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
When = sa.DateTime(timezone=True)
OPEN = sa.text("status = 'open'")


def upgrade() -> None:
    op.create_table(
        "tickets",
        sa.Column("id", BigId, primary_key=True),
        sa.Column("user_id", BigId, sa.ForeignKey("users.id", ondelete="CASCADE",
                                                  name="fk_tickets_user_id_users"), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("chat_id", sa.String(64), nullable=False),
        sa.Column("name", sa.String(256), nullable=False),
        sa.Column("handle", sa.String(64), nullable=False),
        sa.Column("lang", sa.String(2), nullable=False),
        sa.Column("status", sa.String(8), nullable=False),
        sa.Column("assignee", sa.String(256), nullable=False),
        sa.Column("history", sa.Text(), nullable=False),
        sa.Column("created_at", When, nullable=False),
        sa.Column("last_user_message_at", When, nullable=False),
        sa.Column("assigned_at", When, nullable=True),
        sa.Column("closed_at", When, nullable=True),
        sa.Column("closed_by", sa.String(16), nullable=False),
        sa.Column("reminded_at", When, nullable=True),
        sa.Column("rating", sa.Integer(), nullable=True),
        sa.Column("rated_at", When, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_tickets"),
    )
    op.create_index("ix_tickets_user_id", "tickets", ["user_id"])
    op.create_index("ix_tickets_status", "tickets", ["status"])
    # One open ticket per user, even with several workers escalating at once.
    op.create_index("uq_tickets_open_user", "tickets", ["user_id"], unique=True,
                    sqlite_where=OPEN, postgresql_where=OPEN)
    op.create_table(
        "ticket_topics",
        sa.Column("ticket_id", BigId, sa.ForeignKey("tickets.id", ondelete="CASCADE",
                                                    name="fk_ticket_topics_ticket_id_tickets"),
                  nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("thread_id", sa.BigInteger(), nullable=False),
        sa.Column("card_message_id", sa.BigInteger(), nullable=True),
        sa.Column("created_at", When, nullable=False),
        sa.PrimaryKeyConstraint("ticket_id", name="pk_ticket_topics"),
        sa.UniqueConstraint("chat_id", "thread_id", name="uq_ticket_topics_chat_id"),
    )
    op.create_table(
        "ticket_messages",
        sa.Column("id", BigId, primary_key=True),
        sa.Column("ticket_id", BigId, sa.ForeignKey("tickets.id", ondelete="CASCADE",
                                                    name="fk_ticket_messages_ticket_id_tickets"),
                  nullable=False),
        sa.Column("direction", sa.String(16), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("author", sa.String(256), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", When, nullable=False),
        sa.Column("claim", sa.String(32), nullable=False),
        sa.Column("claimed_at", When, nullable=True),
        sa.Column("held_at", When, nullable=True),
        sa.Column("delivered_at", When, nullable=True),
        sa.Column("external_id", sa.String(128), nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("created_at", When, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_ticket_messages"),
    )
    op.create_index("ix_ticket_messages_ticket_id", "ticket_messages", ["ticket_id"])
    op.create_index("ix_ticket_messages_status", "ticket_messages", ["status"])


def downgrade() -> None:
    op.drop_index("ix_ticket_messages_status", table_name="ticket_messages")
    op.drop_index("ix_ticket_messages_ticket_id", table_name="ticket_messages")
    op.drop_table("ticket_messages")
    op.drop_table("ticket_topics")
    op.drop_index("uq_tickets_open_user", table_name="tickets")
    op.drop_index("ix_tickets_status", table_name="tickets")
    op.drop_index("ix_tickets_user_id", table_name="tickets")
    op.drop_table("tickets")
