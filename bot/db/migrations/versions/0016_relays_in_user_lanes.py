"""Consultants' messages to users go out in the user's chat lane, with the desk's own messages.

An outbound message may now point at a ticket's transcript row (`relay_id`): the relay
outbox keeps only the consultants' group. The replies to users still waiting at the
upgrade (pending, claimed, or held for a closed WhatsApp window or a blocked bot) get
their outbound message here, in the order they were written, so none is lost.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07
"""

import datetime as dt

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
DEADLINE = dt.timedelta(hours=24)  # the default delivery deadline (DESK_DELIVERY_DEADLINE_HOURS)


def upgrade() -> None:
    op.add_column("outbound_messages", sa.Column("relay_id", BigId, nullable=True))
    conn = op.get_bind()
    rows = conn.execute(sa.text(
        "SELECT m.id, m.status, m.attempts, m.next_attempt_at, m.created_at, t.channel, t.chat_id "
        "FROM ticket_messages m JOIN tickets t ON t.id = m.ticket_id "
        "WHERE m.direction = 'to_user' AND m.status IN ('pending', 'sending', 'held') ORDER BY m.id")).all()
    if not rows:
        return
    now = dt.datetime.now(dt.UTC)
    conn.execute(sa.text(
        "INSERT INTO outbound_messages (channel, chat_id, body, status, attempts, next_attempt_at, deadline_at, "
        "claim, owner, error, created_at, relay_id) VALUES (:channel, :chat_id, '{}', :status, :attempts, "
        ":next_attempt_at, :deadline_at, '', '', '', :created_at, :relay_id)"), [
        {"channel": row.channel, "chat_id": row.chat_id, "status": "held" if row.status == "held" else "pending",
         "attempts": row.attempts, "next_attempt_at": row.next_attempt_at or now,
         "deadline_at": now + DEADLINE, "created_at": row.created_at or now, "relay_id": row.id} for row in rows])
    conn.execute(sa.text("UPDATE ticket_messages SET status = 'pending' WHERE direction = 'to_user' "
                         "AND status = 'sending'"))


def downgrade() -> None:
    with op.batch_alter_table("outbound_messages") as batch:
        batch.drop_column("relay_id")
