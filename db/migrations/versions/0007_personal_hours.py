"""people: each person's own working hours, work week and holiday calendar

Revision ID: 0007
Revises: 0004
Create Date: 2026-11-30 02:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
# Other branches add 0005 and 0006 after 0004; whichever lands last re-points its down_revision.
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "people",
        sa.Column("user_id", sa.String(length=20), nullable=False),
        sa.Column("workday_start", sa.String(length=5), nullable=True),
        sa.Column("workday_end", sa.String(length=5), nullable=True),
        sa.Column("work_days", sa.String(length=13), nullable=True),
        sa.Column("holidays", sa.String(length=40), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_people")),
    )


def downgrade() -> None:
    op.drop_table("people")
