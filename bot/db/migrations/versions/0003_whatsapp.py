"""WhatsApp: contacts (24-hour window, numbered menus), outbound log, delivery failures.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-21
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
When = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "whatsapp_contacts",
        sa.Column("wa_id", sa.String(32), nullable=False),
        sa.Column("name", sa.String(256), nullable=False),
        sa.Column("last_inbound_at", When, nullable=False),
        sa.Column("choices", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("wa_id", name="pk_whatsapp_contacts"),
    )
    op.create_table(
        "whatsapp_outbound",
        sa.Column("id", BigId, primary_key=True),
        sa.Column("wa_id", sa.String(32), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("wamid", sa.String(128), nullable=True),
        sa.Column("http_status", sa.Integer(), nullable=False),
        sa.Column("error_code", sa.Integer(), nullable=True),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", When, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_whatsapp_outbound"),
    )
    for column in ("wa_id", "status", "wamid"):
        op.create_index(f"ix_whatsapp_outbound_{column}", "whatsapp_outbound", [column])
    op.create_table(
        "whatsapp_delivery_failures",
        sa.Column("id", BigId, primary_key=True),
        sa.Column("wamid", sa.String(128), nullable=False),
        sa.Column("recipient_id", sa.String(32), nullable=False),
        sa.Column("error_code", sa.Integer(), nullable=True),
        sa.Column("error_title", sa.String(256), nullable=False),
        sa.Column("error_details", sa.Text(), nullable=False),
        sa.Column("failed_at", When, nullable=True),
        sa.Column("received_at", When, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_whatsapp_delivery_failures"),
        sa.UniqueConstraint("wamid", name="uq_whatsapp_delivery_failures_wamid"),
    )
    op.create_index("ix_whatsapp_delivery_failures_recipient_id", "whatsapp_delivery_failures",
                    ["recipient_id"])


def downgrade() -> None:
    op.drop_index("ix_whatsapp_delivery_failures_recipient_id",
                  table_name="whatsapp_delivery_failures")
    op.drop_table("whatsapp_delivery_failures")
    for column in ("wamid", "status", "wa_id"):
        op.drop_index(f"ix_whatsapp_outbound_{column}", table_name="whatsapp_outbound")
    op.drop_table("whatsapp_outbound")
    op.drop_table("whatsapp_contacts")
