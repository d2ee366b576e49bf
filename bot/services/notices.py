"""What a reminder says, as domain values: built from an interview and its rubric, rendered elsewhere."""

from __future__ import annotations

from datetime import datetime

from bot.services.ports import Escalation, PendingScorecard, PrepKit
from bot.services.readmodels import OVERDUE_AFTER
from bot.services.reminders import interview_end
from db.models import Interview
from rubrics.models import RubricPack


def prep_kit(reminder_id: int, interview: Interview, pack: RubricPack, target: str | None = None) -> PrepKit:
    """The interviewer's kit; for any other `target`, a trainee's copy (no channel: they are not in it)."""
    candidate = interview.candidate
    practice = target is not None and target != interview.interviewer_id
    stage = pack.stage(interview.stage_key)
    return PrepKit(
        reminder_id=reminder_id,
        interview_id=interview.id,
        candidate_name=candidate.name,
        channel_id=None if practice else candidate.channel_id,
        resume_url=candidate.resume_url,
        stage_name=stage.name,
        starts_at=interview.starts_at,
        zone=interview.timezone,
        competencies=[(c.name, c.description) for c in pack.stage_competencies(stage.key)],
        focus_questions=list(stage.focus_questions),
        red_flags=[f.label for f in pack.stage_red_flags(stage.key)],
        practice=practice,
    )


def pending(interview: Interview, pack: RubricPack, now: datetime) -> PendingScorecard:
    end = interview_end(interview)
    return PendingScorecard(
        interview_id=interview.id,
        candidate_name=interview.candidate.name,
        channel_id=interview.candidate.channel_id,
        stage_name=pack.stage_name(interview.stage_key),
        ends_at=end,
        overdue=now >= end + OVERDUE_AFTER,
    )


def escalation(interview: Interview, pack: RubricPack, zone: str) -> Escalation:
    return Escalation(
        candidate_name=interview.candidate.name,
        channel_id=interview.candidate.channel_id,
        interviewer_id=interview.interviewer_id,
        stage_name=pack.stage_name(interview.stage_key),
        ends_at=interview_end(interview),
        zone=zone,
    )
