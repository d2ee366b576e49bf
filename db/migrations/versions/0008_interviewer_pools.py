"""pool_members: interviewer pools per stage of a pack; people.weekly_cap: a person's own lower cap

Revision ID: 0008
Revises: 0010
Create Date: 2026-11-30 03:40:00.000000

pool_members.role is a non-native enum (a VARCHAR(24) without a CHECK constraint), like the
other statuses: a new role needs no DDL.
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "pool_members",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pack", sa.String(length=64), nullable=False),
        sa.Column("stage", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column(
            "role",
            sa.Enum("trained", "shadowing", "reverse_shadowing", name="pool_role", native_enum=False, length=24),
            nullable=False,
        ),
        sa.Column("added_by", sa.String(length=32), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pool_members")),
        sa.UniqueConstraint("pack", "stage", "user_id", name=op.f("uq_pool_member")),
    )
    # Plain ADD/DROP COLUMN, not batch mode (see 0005).
    op.add_column("people", sa.Column("weekly_cap", sa.Integer(), nullable=True))


def downgrade() -> None:
    op.drop_column("people", "weekly_cap")
    op.drop_table("pool_members")
