"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-22 02:04:20.862970
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.String(length=20), nullable=True),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("candidate_id", sa.Integer(), nullable=True),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_events")),
    )
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.create_index("ix_audit_events_candidate_id", ["candidate_id"], unique=False)

    op.create_table(
        "candidates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("pack", sa.String(length=40), nullable=False),
        sa.Column("pack_version", sa.Integer(), nullable=False),
        sa.Column("profile", sa.String(length=40), nullable=False),
        sa.Column("recruiter_id", sa.String(length=20), nullable=False),
        sa.Column("hiring_manager_id", sa.String(length=20), nullable=False),
        sa.Column("resume_url", sa.String(length=2000), nullable=True),
        sa.Column("channel_id", sa.String(length=20), nullable=True),
        sa.Column("channel_name", sa.String(length=80), nullable=True),
        sa.Column("card_ts", sa.String(length=32), nullable=True),
        sa.Column(
            "status",
            sa.Enum("opening", "open", "decided", "purged", name="loop_status", native_enum=False, length=24),
            nullable=False,
        ),
        sa.Column("problems", sa.JSON(), nullable=False),
        sa.Column(
            "decision", sa.Enum("hire", "no_hire", "hold", name="decision", native_enum=False, length=24), nullable=True
        ),
        sa.Column("decision_rationale", sa.Text(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_by", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_candidates")),
        sa.UniqueConstraint("channel_id", name=op.f("uq_candidates_channel_id")),
    )
    op.create_table(
        "debriefs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("candidate_id", sa.Integer(), nullable=False),
        sa.Column("scheduled_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("summary_ts", sa.String(length=32), nullable=True),
        sa.Column("posted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("summarised", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["candidate_id"], ["candidates.id"], name=op.f("fk_debriefs_candidate_id_candidates"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_debriefs")),
        sa.UniqueConstraint("candidate_id", name=op.f("uq_debriefs_candidate_id")),
    )
    op.create_table(
        "interviews",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("candidate_id", sa.Integer(), nullable=False),
        sa.Column("stage_key", sa.String(length=40), nullable=False),
        sa.Column("interviewer_id", sa.String(length=20), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("duration_minutes", sa.Integer(), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column(
            "status",
            sa.Enum("scheduled", "cancelled", name="interview_status", native_enum=False, length=24),
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "duration_minutes > 0 AND duration_minutes <= 480", name=op.f("ck_interviews_duration_range")
        ),
        sa.ForeignKeyConstraint(
            ["candidate_id"], ["candidates.id"], name=op.f("fk_interviews_candidate_id_candidates"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_interviews")),
    )
    with op.batch_alter_table("interviews", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_interviews_candidate_id"), ["candidate_id"], unique=False)
        batch_op.create_index("ix_interviews_interviewer_status", ["interviewer_id", "status"], unique=False)

    op.create_table(
        "team_members",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("candidate_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.String(length=20), nullable=False),
        sa.Column(
            "role",
            sa.Enum("recruiter", "hiring_manager", "interviewer", name="team_role", native_enum=False, length=24),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["candidate_id"],
            ["candidates.id"],
            name=op.f("fk_team_members_candidate_id_candidates"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_team_members")),
        sa.UniqueConstraint("candidate_id", "user_id", "role", name=op.f("uq_team_members_candidate_id")),
    )
    op.create_table(
        "reminders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "prep_kit",
                "scorecard_due",
                "chaser",
                "escalation",
                "pre_debrief_nudge",
                "debrief_summary",
                name="reminder_kind",
                native_enum=False,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("candidate_id", sa.Integer(), nullable=False),
        sa.Column("interview_id", sa.Integer(), nullable=True),
        sa.Column("target_user_id", sa.String(length=20), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "pending",
                "sending",
                "sent",
                "cancelled",
                "expired",
                "failed",
                name="reminder_status",
                native_enum=False,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("claim_token", sa.String(length=32), nullable=True),
        sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["candidate_id"], ["candidates.id"], name=op.f("fk_reminders_candidate_id_candidates"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["interview_id"], ["interviews.id"], name=op.f("fk_reminders_interview_id_interviews"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reminders")),
    )
    with op.batch_alter_table("reminders", schema=None) as batch_op:
        batch_op.create_index("ix_reminders_candidate_id", ["candidate_id"], unique=False)
        batch_op.create_index("ix_reminders_interview_id", ["interview_id"], unique=False)
        batch_op.create_index("ix_reminders_status_due_at", ["status", "due_at"], unique=False)

    op.create_table(
        "scorecard_drafts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("interview_id", sa.Integer(), nullable=False),
        sa.Column("interviewer_id", sa.String(length=20), nullable=False),
        sa.Column("values", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["interview_id"],
            ["interviews.id"],
            name=op.f("fk_scorecard_drafts_interview_id_interviews"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scorecard_drafts")),
        sa.UniqueConstraint("interview_id", "interviewer_id", name=op.f("uq_scorecard_drafts_interview_id")),
    )
    op.create_table(
        "scorecards",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("interview_id", sa.Integer(), nullable=False),
        sa.Column("interviewer_id", sa.String(length=20), nullable=False),
        sa.Column("pack", sa.String(length=40), nullable=False),
        sa.Column("pack_version", sa.Integer(), nullable=False),
        sa.Column("recommendation", sa.String(length=16), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("amendments", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["interview_id"], ["interviews.id"], name=op.f("fk_scorecards_interview_id_interviews"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scorecards")),
        sa.UniqueConstraint("interview_id", name=op.f("uq_scorecards_interview_id")),
    )
    op.create_table(
        "raised_red_flags",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("scorecard_id", sa.Integer(), nullable=False),
        sa.Column("flag_key", sa.String(length=40), nullable=False),
        sa.Column("flag_label", sa.String(length=75), nullable=False),
        sa.Column("evidence", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["scorecard_id"],
            ["scorecards.id"],
            name=op.f("fk_raised_red_flags_scorecard_id_scorecards"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_raised_red_flags")),
        sa.UniqueConstraint("scorecard_id", "flag_key", name=op.f("uq_raised_red_flags_scorecard_id")),
    )
    op.create_table(
        "ratings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("scorecard_id", sa.Integer(), nullable=False),
        sa.Column("competency_key", sa.String(length=40), nullable=False),
        sa.Column("competency_name", sa.String(length=60), nullable=False),
        sa.Column("rating", sa.Integer(), nullable=False),
        sa.Column("evidence", sa.Text(), nullable=True),
        sa.CheckConstraint("rating BETWEEN 1 AND 4", name=op.f("ck_ratings_rating_range")),
        sa.ForeignKeyConstraint(
            ["scorecard_id"], ["scorecards.id"], name=op.f("fk_ratings_scorecard_id_scorecards"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ratings")),
        sa.UniqueConstraint("scorecard_id", "competency_key", name=op.f("uq_ratings_scorecard_id")),
    )


def downgrade() -> None:
    op.drop_table("ratings")
    op.drop_table("raised_red_flags")
    op.drop_table("scorecards")
    op.drop_table("scorecard_drafts")
    with op.batch_alter_table("reminders", schema=None) as batch_op:
        batch_op.drop_index("ix_reminders_status_due_at")
        batch_op.drop_index("ix_reminders_interview_id")
        batch_op.drop_index("ix_reminders_candidate_id")

    op.drop_table("reminders")
    op.drop_table("team_members")
    with op.batch_alter_table("interviews", schema=None) as batch_op:
        batch_op.drop_index("ix_interviews_interviewer_status")
        batch_op.drop_index(batch_op.f("ix_interviews_candidate_id"))

    op.drop_table("interviews")
    op.drop_table("debriefs")
    op.drop_table("candidates")
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_events_candidate_id")

    op.drop_table("audit_events")
