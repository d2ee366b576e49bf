"""loop opening: the submitting view, and the set-up lease

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30 00:45:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("candidates", schema=None) as batch_op:
        batch_op.add_column(sa.Column("view_id", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("setup_until", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_unique_constraint(batch_op.f("uq_candidates_view_id"), ["view_id"])


def downgrade() -> None:
    with op.batch_alter_table("candidates", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_candidates_view_id"), type_="unique")
        batch_op.drop_column("setup_until")
        batch_op.drop_column("view_id")
