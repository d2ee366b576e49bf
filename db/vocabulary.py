"""The states and kinds hirebot's records take: shared vocabulary, with no SQLAlchemy in it.

The models store these (db/models.py); services and Block Kit builders import them from here,
so that drawing a status never means importing the database's mapping."""

from __future__ import annotations

import enum


class LoopStatus(enum.StrEnum):
    # The row is written first, then the channel is created: a loop whose channel does not exist
    # yet (Slack down, a lost response) stays here, listed with *Retry set-up* for its recruiter.
    OPENING = "opening"
    OPEN = "open"
    DECIDED = "decided"
    PURGED = "purged"


class InterviewStatus(enum.StrEnum):
    SCHEDULED = "scheduled"
    CANCELLED = "cancelled"


class TeamRole(enum.StrEnum):
    RECRUITER = "recruiter"
    HIRING_MANAGER = "hiring_manager"
    INTERVIEWER = "interviewer"


class ReminderKind(enum.StrEnum):
    PREP_KIT = "prep_kit"
    SCORECARD_DUE = "scorecard_due"
    CHASER = "chaser"
    ESCALATION = "escalation"
    PRE_DEBRIEF_NUDGE = "pre_debrief_nudge"
    DEBRIEF_SUMMARY = "debrief_summary"
    RECEIPT = "receipt"  # "✅ … submitted" in the candidate channel; target_user_id holds the channel
    # Sealed votes (bot/services/votes.py): the ask, one nudge, and the reveal at the debrief's start.
    VOTE_REQUEST = "vote_request"
    VOTE_NUDGE = "vote_nudge"
    VOTE_REVEAL = "vote_reveal"
    # An .ics calendar invite (or its cancellation) DMed to target_user_id; no interview_id: the debrief's.
    INVITE = "invite"
    INVITE_CANCEL = "invite_cancel"
    # The loop's decision, posted in its channel; target_user_id holds who decided.
    DECISION = "decision"
    # What a trainee joined (or their new mode): a DM to target_user_id, the trainee.
    TRAINEE_NOTICE = "trainee_notice"
    # After the decision: a trainee's practice beside the panel's (interview_id: the one they practised
    # on), and a recruiter's *Mark trained* offers for the trainees the decision made ready.
    PRACTICE_COMPARISON = "practice_comparison"
    GRADUATION_OFFER = "graduation_offer"


class ReminderStatus(enum.StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    CANCELLED = "cancelled"
    EXPIRED = "expired"
    FAILED = "failed"


class Decision(enum.StrEnum):
    HIRE = "hire"
    NO_HIRE = "no_hire"
    HOLD = "hold"


class PoolRole(enum.StrEnum):
    """Where a person stands in the interviewer pool of one stage of a pack."""

    TRAINED = "trained"
    SHADOWING = "shadowing"
    REVERSE_SHADOWING = "reverse_shadowing"


class TraineeMode(enum.StrEnum):
    """How a trainee takes part in an interview; either way their scorecard is practice only."""

    SHADOW = "shadow"  # watches a trained interviewer lead
    REVERSE_SHADOW = "reverse_shadow"  # leads, while the trained interviewer observes and writes the real scorecard
