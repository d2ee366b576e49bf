"""per-person DM spacing shared by every worker; receipts go through the outbox

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30 00:45:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # reminders.kind gains "receipt": a non-native enum without a CHECK, so no DDL for it.
    op.create_table(
        "dm_recipients",
        sa.Column("user_id", sa.String(length=20), nullable=False),
        sa.Column("last_dm_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("holder", sa.String(length=32), nullable=True),
        sa.Column("held_until", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_dm_recipients")),
    )


def downgrade() -> None:
    op.drop_table("dm_recipients")
