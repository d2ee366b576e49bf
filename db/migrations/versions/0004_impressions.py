"""ratings.impression: evidence kept as written after a nudge that it reads as an impression

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30 01:30:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Existing ratings were stored before the nudge existed: they are not marked.
    with op.batch_alter_table("ratings", schema=None) as batch_op:
        batch_op.add_column(sa.Column("impression", sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("ratings", schema=None) as batch_op:
        batch_op.drop_column("impression")
