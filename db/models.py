"""The tables. What they share (the base, the UTC time type, enums as strings) is db/base.py;
import Base from here, where every table is on its metadata."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from db.base import Base, enum_column, utcnow
from db.card_watch import install_on_create
from db.vocabulary import (
    Decision,
    InterviewStatus,
    LoopStatus,
    PoolRole,
    ReminderKind,
    ReminderStatus,
    TeamRole,
    TraineeMode,
)


class Candidate(Base):
    """A candidate and their loop: one private channel, one hiring team, one rubric pack."""

    __tablename__ = "candidates"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    pack: Mapped[str] = mapped_column(String(40))
    pack_version: Mapped[int]
    profile: Mapped[str] = mapped_column(String(40))
    recruiter_id: Mapped[str] = mapped_column(String(20))
    hiring_manager_id: Mapped[str] = mapped_column(String(20))
    resume_url: Mapped[str | None] = mapped_column(String(2000))
    channel_id: Mapped[str | None] = mapped_column(String(20), unique=True)
    # Written before conversations.create is called: with no channel_id, the last name asked for,
    # whose creation may have happened even if its response was lost.
    channel_name: Mapped[str | None] = mapped_column(String(80))
    card_ts: Mapped[str | None] = mapped_column(String(32))
    status: Mapped[LoopStatus] = mapped_column(enum_column(LoopStatus, "loop_status"), default=LoopStatus.OPENING)
    # Set-up steps that failed after the channel existed (an invite, the pin): shown on the card.
    problems: Mapped[list[str]] = mapped_column(JSON, default=list)
    decision: Mapped[Decision | None] = mapped_column(enum_column(Decision, "decision"))
    decision_rationale: Mapped[str | None] = mapped_column(Text)
    decided_at: Mapped[datetime | None]
    # What the pack's decision rule said when the decision was recorded, and why the people
    # deciding went against it (None when they followed it, or the pack declares no rule).
    rule_outcome: Mapped[str | None] = mapped_column(String(24))
    override_reason: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(20))
    # The new-loop modal submission that opened it: a replayed submission finds this row.
    view_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    # A loop opened by `hirebot import candidates`: which import (a digest of its rows' keys, in
    # order) and the row's place in it, for "loop 12 of 50" on the card. None: opened by hand.
    import_batch: Mapped[str | None] = mapped_column(String(64))
    import_position: Mapped[int | None]
    import_total: Mapped[int | None]
    # Set-up runs one at a time: a run holds this lease so a second Retry cannot create a second channel.
    setup_until: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    team: Mapped[list[TeamMember]] = relationship(back_populates="candidate", cascade="all, delete-orphan")
    interviews: Mapped[list[Interview]] = relationship(
        back_populates="candidate", cascade="all, delete-orphan", order_by="Interview.starts_at"
    )
    debrief: Mapped[Debrief | None] = relationship(
        back_populates="candidate", cascade="all, delete-orphan", uselist=False
    )


class TeamMember(Base):
    __tablename__ = "team_members"
    __table_args__ = (UniqueConstraint("candidate_id", "user_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    candidate_id: Mapped[int] = mapped_column(ForeignKey("candidates.id", ondelete="CASCADE"))
    user_id: Mapped[str] = mapped_column(String(20))
    role: Mapped[TeamRole] = mapped_column(enum_column(TeamRole, "team_role"))

    candidate: Mapped[Candidate] = relationship(back_populates="team")


class Interview(Base):
    __tablename__ = "interviews"
    __table_args__ = (
        CheckConstraint("duration_minutes > 0 AND duration_minutes <= 480", name="duration_range"),
        Index("ix_interviews_interviewer_status", "interviewer_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    candidate_id: Mapped[int] = mapped_column(ForeignKey("candidates.id", ondelete="CASCADE"), index=True)
    stage_key: Mapped[str] = mapped_column(String(40))
    interviewer_id: Mapped[str] = mapped_column(String(20))
    starts_at: Mapped[datetime]
    duration_minutes: Mapped[int] = mapped_column(Integer)
    timezone: Mapped[str] = mapped_column(String(64))
    status: Mapped[InterviewStatus] = mapped_column(
        enum_column(InterviewStatus, "interview_status"), default=InterviewStatus.SCHEDULED
    )
    # The iCalendar SEQUENCE of its invite: 0 when planned, one more with each change after.
    invite_sequence: Mapped[int] = mapped_column(default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    candidate: Mapped[Candidate] = relationship(back_populates="interviews")
    scorecard: Mapped[Scorecard | None] = relationship(
        back_populates="interview", cascade="all, delete-orphan", uselist=False
    )


class Scorecard(Base):
    """A submitted scorecard. Drafts live in ScorecardDraft, so this table holds only real feedback."""

    __tablename__ = "scorecards"
    # The last line of defence against double submission: one scorecard per interview.
    __table_args__ = (UniqueConstraint("interview_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    interview_id: Mapped[int] = mapped_column(ForeignKey("interviews.id", ondelete="CASCADE"))
    interviewer_id: Mapped[str] = mapped_column(String(20))
    pack: Mapped[str] = mapped_column(String(40))
    pack_version: Mapped[int]
    recommendation: Mapped[str] = mapped_column(String(16))
    notes: Mapped[str | None] = mapped_column(Text)
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    # Edits after the debrief summary was posted are amendments, counted and shown in the summary.
    amendments: Mapped[int] = mapped_column(default=0)

    interview: Mapped[Interview] = relationship(back_populates="scorecard")
    # Loaded only where they are read (selectinload): the status views need to know that a
    # scorecard exists, never what it says.
    ratings: Mapped[list[Rating]] = relationship(back_populates="scorecard", cascade="all, delete-orphan")
    red_flags: Mapped[list[RaisedRedFlag]] = relationship(back_populates="scorecard", cascade="all, delete-orphan")


class Rating(Base):
    __tablename__ = "ratings"
    __table_args__ = (
        UniqueConstraint("scorecard_id", "competency_key"),
        CheckConstraint("rating BETWEEN 1 AND 4", name="rating_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    scorecard_id: Mapped[int] = mapped_column(ForeignKey("scorecards.id", ondelete="CASCADE"))
    competency_key: Mapped[str] = mapped_column(String(40))
    # The competency's name when the scorecard was filled, so a later rename keeps old cards readable.
    competency_name: Mapped[str] = mapped_column(String(60))
    rating: Mapped[int]
    evidence: Mapped[str | None] = mapped_column(Text)
    # The evidence reads as an impression (evidence_lint) and the interviewer kept it as written.
    impression: Mapped[bool] = mapped_column(default=False, server_default=false())

    scorecard: Mapped[Scorecard] = relationship(back_populates="ratings")


class RaisedRedFlag(Base):
    __tablename__ = "raised_red_flags"
    __table_args__ = (UniqueConstraint("scorecard_id", "flag_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    scorecard_id: Mapped[int] = mapped_column(ForeignKey("scorecards.id", ondelete="CASCADE"))
    flag_key: Mapped[str] = mapped_column(String(40))
    flag_label: Mapped[str] = mapped_column(String(75))
    evidence: Mapped[str] = mapped_column(Text)

    scorecard: Mapped[Scorecard] = relationship(back_populates="red_flags")


class ScorecardDraft(Base):
    """What an interviewer typed into a scorecard modal they closed without submitting."""

    __tablename__ = "scorecard_drafts"
    __table_args__ = (UniqueConstraint("interview_id", "interviewer_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    interview_id: Mapped[int] = mapped_column(ForeignKey("interviews.id", ondelete="CASCADE"))
    interviewer_id: Mapped[str] = mapped_column(String(20))
    values: Mapped[dict[str, Any]] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


ESCALATIONS_SENT = f"kind = '{ReminderKind.ESCALATION.value}' AND status = '{ReminderStatus.SENT.value}'"


class Reminder(Base):
    """A durable outbox row: written with the change that causes it, sent by the dispatcher."""

    __tablename__ = "reminders"
    __table_args__ = (
        # The dispatcher's due-row query: pending rows in due order.
        Index("ix_reminders_status_due_at", "status", "due_at"),
        Index("ix_reminders_interview_id", "interview_id"),
        Index("ix_reminders_candidate_id", "candidate_id"),
        # The loop card's "escalated" mark, read by every /hire status. Without it, PostgreSQL
        # sometimes planned that check as a scan of every sent reminder (each DM ever sent).
        Index(
            "ix_reminders_escalations_sent",
            "interview_id",
            postgresql_where=text(ESCALATIONS_SENT),
            sqlite_where=text(ESCALATIONS_SENT),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[ReminderKind] = mapped_column(enum_column(ReminderKind, "reminder_kind"))
    candidate_id: Mapped[int] = mapped_column(ForeignKey("candidates.id", ondelete="CASCADE"))
    interview_id: Mapped[int | None] = mapped_column(ForeignKey("interviews.id", ondelete="CASCADE"))
    target_user_id: Mapped[str] = mapped_column(String(20))
    due_at: Mapped[datetime]
    status: Mapped[ReminderStatus] = mapped_column(
        enum_column(ReminderStatus, "reminder_status"), default=ReminderStatus.PENDING
    )
    attempts: Mapped[int] = mapped_column(default=0)
    sent_at: Mapped[datetime | None]
    # A sweep marks the rows it claimed with its own token; a row whose claim lapsed (the
    # process died mid-send) can be claimed again.
    claim_token: Mapped[str | None] = mapped_column(String(32))
    claimed_until: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class DmRecipient(Base):
    """One row per person hirebot has DMed a reminder: the 15-minute spacing, shared by every worker.

    A sweep must hold a person (`holder`, its claim token) before DMing them; taking the hold is
    a conditional UPDATE, so two workers, or two rows in one sweep, cannot both DM one person
    within the spacing. A hold whose sweep died lapses at `held_until`.
    """

    __tablename__ = "dm_recipients"

    user_id: Mapped[str] = mapped_column(String(20), primary_key=True)
    last_dm_at: Mapped[datetime | None]
    holder: Mapped[str | None] = mapped_column(String(32))
    held_until: Mapped[datetime | None]


class Person(Base):
    """A person's own working time, set in App Home; NULL columns follow the workspace defaults.

    Times are local wall-clock "HH:MM" in the person's zone; `work_days` lists weekdays
    (Monday=0), e.g. "6,0,1,2,3" for Sunday to Thursday; `holidays` is a calendar code such as
    "GB" or "US-CA", or "none" for no public holidays at all.
    """

    __tablename__ = "people"

    user_id: Mapped[str] = mapped_column(String(20), primary_key=True)
    workday_start: Mapped[str | None] = mapped_column(String(5))
    workday_end: Mapped[str | None] = mapped_column(String(5))
    work_days: Mapped[str | None] = mapped_column(String(13))
    holidays: Mapped[str | None] = mapped_column(String(40))
    # Interviews a week this person takes at most; NULL follows HIREBOT_WEEKLY_CAP. Only ever lower.
    weekly_cap: Mapped[int | None] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class PoolMember(Base):
    """One person in the interviewer pool of one stage of a pack, and how far trained they are there."""

    __tablename__ = "pool_members"
    __table_args__ = (UniqueConstraint("pack", "stage", "user_id", name="uq_pool_member"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    pack: Mapped[str] = mapped_column(String(64))
    stage: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[str] = mapped_column(String(32))
    role: Mapped[PoolRole] = mapped_column(enum_column(PoolRole, "pool_role"))
    added_by: Mapped[str] = mapped_column(String(32))
    added_at: Mapped[datetime] = mapped_column(default=utcnow)


class InterviewTrainee(Base):
    """A shadow or reverse shadow on an interview: never on its panel, never counted."""

    __tablename__ = "interview_trainees"
    __table_args__ = (UniqueConstraint("interview_id", "user_id", name="uq_interview_trainee"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    interview_id: Mapped[int] = mapped_column(ForeignKey("interviews.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[str] = mapped_column(String(20))
    mode: Mapped[TraineeMode] = mapped_column(enum_column(TraineeMode, "trainee_mode"))
    added_by: Mapped[str] = mapped_column(String(20))
    added_at: Mapped[datetime] = mapped_column(default=utcnow)
    interview: Mapped[Interview] = relationship()
    practice: Mapped[PracticeScorecard | None] = relationship(cascade="all, delete-orphan", uselist=False)


class PracticeScorecard(Base):
    """A trainee's scorecard: the stage's form, kept apart from `scorecards` so nothing counts it."""

    __tablename__ = "practice_scorecards"
    __table_args__ = (UniqueConstraint("trainee_id", name="uq_practice_scorecard"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    trainee_id: Mapped[int] = mapped_column(ForeignKey("interview_trainees.id", ondelete="CASCADE"))
    pack: Mapped[str] = mapped_column(String(40))
    pack_version: Mapped[int]
    form: Mapped[dict[str, Any]] = mapped_column(JSON)  # ratings, evidence, flags, recommendation, notes
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Debrief(Base):
    __tablename__ = "debriefs"
    __table_args__ = (UniqueConstraint("candidate_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    candidate_id: Mapped[int] = mapped_column(ForeignKey("candidates.id", ondelete="CASCADE"))
    scheduled_at: Mapped[datetime]
    summary_ts: Mapped[str | None] = mapped_column(String(32))
    posted_at: Mapped[datetime | None]
    # What the posted summary was built from ({scorecard id: amendments}), to say what changed.
    summarised: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    # Set by exactly one conditional UPDATE (the last vote, or the sweep at the debrief's start):
    # whoever sets it posts the reveal. Votes are final from then on.
    revealed_at: Mapped[datetime | None]
    reveal_ts: Mapped[str | None] = mapped_column(String(32))
    invite_sequence: Mapped[int] = mapped_column(default=0, server_default="0")  # as Interview.invite_sequence
    # The Slack file of the heat map the posted pre-read shows (None: none shown), so that the
    # next refresh replaces it and deletes this one, across restarts too.
    picture_file_id: Mapped[str | None] = mapped_column(String(32))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    candidate: Mapped[Candidate] = relationship(back_populates="debrief")


class SealedVote(Base):
    """A panel member's final recommendation, cast before the debrief and seen by nobody until the reveal."""

    __tablename__ = "sealed_votes"
    __table_args__ = (UniqueConstraint("candidate_id", "voter_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    candidate_id: Mapped[int] = mapped_column(ForeignKey("candidates.id", ondelete="CASCADE"))
    voter_id: Mapped[str] = mapped_column(String(20))
    recommendation: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(Text)
    cast_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class CardChange(Base):
    """A change its loop's card must show, written in the change's own transaction.

    A refresh deletes the rows it saw before it read the card, so a row left is a change the
    card in Slack has not drawn; a card behind for a minute lost its refresh (a stopped worker,
    a Slack error) and the scheduler mends it (bot/services/mending.py). Rows are only ever
    inserted by a change, never updated: marking a card cannot make a change wait on another
    transaction's lock."""

    __tablename__ = "card_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    candidate_id: Mapped[int] = mapped_column(ForeignKey("candidates.id", ondelete="CASCADE"), index=True)


class AuditEvent(Base):
    """Who did what, when. Never scorecard content: details hold ids and counts only."""

    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_candidate_id", "candidate_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_id: Mapped[str | None] = mapped_column(String(20))
    action: Mapped[str] = mapped_column(String(64))
    # Not a foreign key: the audit line outlives a purged candidate.
    candidate_id: Mapped[int | None]
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


# PostgreSQL notifies every change a loop card shows (db/card_watch.py): databases made with
# create_all get the triggers as migrated ones do (migration 0016).
install_on_create(Base.metadata)
