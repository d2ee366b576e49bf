"""sealed votes, their reveal, and the decision rule's outcome and override on the decision

Revision ID: 0005
Revises: 0007
Create Date: 2026-11-30 01:45:00.000000

The reminder kinds vote_request, vote_nudge and vote_reveal need no DDL: reminders.kind is a
non-native enum (a VARCHAR(24) without a CHECK constraint).
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
# 0007 (personal hours) reached main first and databases may be at it already, so this one
# follows it rather than slipping in before it: the chain is 0001-0004, 0007, 0005.
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sealed_votes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("candidate_id", sa.Integer(), nullable=False),
        sa.Column("voter_id", sa.String(length=20), nullable=False),
        sa.Column("recommendation", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("cast_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["candidate_id"],
            ["candidates.id"],
            name=op.f("fk_sealed_votes_candidate_id_candidates"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sealed_votes")),
        sa.UniqueConstraint("candidate_id", "voter_id", name=op.f("uq_sealed_votes_candidate_id")),
    )
    # Plain ADD/DROP COLUMN, not batch mode: on SQLite a batch rebuild of candidates drops the
    # old table, and with foreign keys on that cascades to every interview and scorecard.
    op.add_column("debriefs", sa.Column("revealed_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("debriefs", sa.Column("reveal_ts", sa.String(length=32), nullable=True))
    op.add_column("candidates", sa.Column("rule_outcome", sa.String(length=24), nullable=True))
    op.add_column("candidates", sa.Column("override_reason", sa.Text(), nullable=True))


def downgrade() -> None:
    # SQLite drops a column natively since 3.35.
    for table, column in (
        ("candidates", "override_reason"),
        ("candidates", "rule_outcome"),
        ("debriefs", "reveal_ts"),
        ("debriefs", "revealed_at"),
    ):
        op.drop_column(table, column)
    op.drop_table("sealed_votes")
