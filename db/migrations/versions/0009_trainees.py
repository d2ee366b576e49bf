"""interview_trainees and practice_scorecards: shadows and reverse shadows on an interview, and their scorecards

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30 03:50:00.000000

Practice scorecards live in a table of their own, not in `scorecards`: every count, tally and
statistic reads `scorecards`, so a trainee's ratings cannot leak into one by a missed filter.
interview_trainees.mode is a non-native enum (a VARCHAR(24) without a CHECK), like the others.
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "interview_trainees",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("interview_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.String(length=20), nullable=False),
        sa.Column(
            "mode",
            sa.Enum("shadow", "reverse_shadow", name="trainee_mode", native_enum=False, length=24),
            nullable=False,
        ),
        sa.Column("added_by", sa.String(length=20), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["interview_id"],
            ["interviews.id"],
            name=op.f("fk_interview_trainees_interview_id_interviews"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_interview_trainees")),
        sa.UniqueConstraint("interview_id", "user_id", name=op.f("uq_interview_trainee")),
    )
    op.create_index(op.f("ix_interview_trainees_interview_id"), "interview_trainees", ["interview_id"], unique=False)
    op.create_table(
        "practice_scorecards",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("trainee_id", sa.Integer(), nullable=False),
        sa.Column("pack", sa.String(length=40), nullable=False),
        sa.Column("pack_version", sa.Integer(), nullable=False),
        sa.Column("form", sa.JSON(), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["trainee_id"],
            ["interview_trainees.id"],
            name=op.f("fk_practice_scorecards_trainee_id_interview_trainees"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_practice_scorecards")),
        sa.UniqueConstraint("trainee_id", name=op.f("uq_practice_scorecard")),
    )


def downgrade() -> None:
    op.drop_table("practice_scorecards")
    op.drop_index(op.f("ix_interview_trainees_interview_id"), table_name="interview_trainees")
    op.drop_table("interview_trainees")
