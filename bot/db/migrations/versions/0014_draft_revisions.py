"""Drafts that revise a published entry (which entry, and its file as it was when the draft began),
and an index that counts each entry's answers without reading the whole question log.

A console edit of an existing entry is a draft like a consultant's; publishing it
replaces that entry's file, and is refused if the file changed meanwhile (two
curators editing the same entry), so neither edit is lost silently. The console's knowledge page counts answers per
entry: (decision, topic, created_at) answers it from the index alone, for all time or
a period.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("kb_drafts") as batch:
        batch.add_column(sa.Column("revises", sa.String(128), nullable=False, server_default=""))
        batch.add_column(sa.Column("revises_digest", sa.String(64), nullable=False, server_default=""))
    op.create_index("ix_questions_decision_topic", "questions", ["decision", "topic", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_questions_decision_topic", "questions")
    with op.batch_alter_table("kb_drafts") as batch:
        batch.drop_column("revises_digest")
        batch.drop_column("revises")
