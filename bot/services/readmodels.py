"""Read models: what the status views and the loop card show, computed from the database.

They say whether a scorecard is in, never what it says: blind feedback holds here too.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from bot.services.ports import InterviewLine, LoopCard, PendingScorecard, PersonalStatus
from bot.services.reminders import interview_end
from db.models import (
    Candidate,
    Interview,
    InterviewStatus,
    LoopStatus,
    Reminder,
    ReminderKind,
    ReminderStatus,
    Scorecard,
)
from rubrics.loader import RubricRegistry
from rubrics.models import RubricPack

# A scorecard is due when the interview ends, and overdue a day later.
OVERDUE_AFTER = timedelta(hours=24)


def interview_line(
    interview: Interview, pack: RubricPack, now: datetime, submitted: bool, escalated: bool = False
) -> InterviewLine:
    end = interview_end(interview)
    return InterviewLine(
        id=interview.id,
        stage_key=interview.stage_key,
        stage_name=pack.stage_name(interview.stage_key),
        interviewer_id=interview.interviewer_id,
        starts_at=interview.starts_at,
        ends_at=end,
        timezone=interview.timezone,
        status=interview.status,
        submitted=submitted,
        overdue=(not submitted and interview.status is InterviewStatus.SCHEDULED and now >= end + OVERDUE_AFTER),
        escalated=escalated and not submitted,
    )


def loop_card(
    candidate: Candidate, pack: RubricPack, now: datetime, zone: str, escalated: frozenset[int] = frozenset()
) -> LoopCard:
    stage_order = {s.key: i for i, s in enumerate(pack.stages)}
    interviews = sorted(candidate.interviews, key=lambda i: (stage_order.get(i.stage_key, 99), i.starts_at))
    try:
        profile = pack.profile(candidate.profile).name
    except KeyError:
        profile = candidate.profile
    return LoopCard(
        candidate_id=candidate.id,
        name=candidate.name,
        role=pack.role,
        profile=profile,
        channel_id=candidate.channel_id,
        recruiter_id=candidate.recruiter_id,
        hiring_manager_id=candidate.hiring_manager_id,
        resume_url=candidate.resume_url,
        stages=[(s.key, s.name) for s in pack.stages],
        interviews=[interview_line(i, pack, now, i.scorecard is not None, i.id in escalated) for i in interviews],
        debrief_at=candidate.debrief.scheduled_at if candidate.debrief else None,
        problems=list(candidate.problems),
        status=candidate.status,
        decision=candidate.decision,
        days_open=max(0, (now - candidate.created_at).days),
        target_weeks=(pack.loop_target.min_weeks, pack.loop_target.max_weeks),
        zone=zone,
    )


def personal_status(
    session: Session, rubrics: RubricRegistry, user_id: str, now: datetime, zone: str
) -> PersonalStatus:
    rows = session.scalars(
        select(Interview)
        .join(Candidate)
        .outerjoin(Scorecard, Scorecard.interview_id == Interview.id)
        .where(
            Interview.interviewer_id == user_id,
            Interview.status == InterviewStatus.SCHEDULED,
            Candidate.status == LoopStatus.OPEN,
            Scorecard.id.is_(None),
        )
        .options(selectinload(Interview.candidate))
        .order_by(Interview.starts_at)
    ).all()
    pending: list[PendingScorecard] = []
    upcoming: list[InterviewLine] = []
    channels: dict[int, tuple[str, str | None]] = {}
    for interview in rows:
        pack = rubrics.get(interview.candidate.pack)
        line = interview_line(interview, pack, now, submitted=False)
        if line.starts_at <= now:
            pending.append(
                PendingScorecard(
                    interview_id=interview.id,
                    candidate_name=interview.candidate.name,
                    channel_id=interview.candidate.channel_id,
                    stage_name=line.stage_name,
                    ends_at=line.ends_at,
                    overdue=line.overdue,
                )
            )
        else:
            upcoming.append(line)
            channels[interview.id] = (interview.candidate.name, interview.candidate.channel_id)
    return PersonalStatus(user_id=user_id, pending=pending, upcoming=upcoming, upcoming_channels=channels, zone=zone)


def escalated_interviews(session: Session, candidate_id: int) -> frozenset[int]:
    """Interviews whose missing scorecard has been escalated to the recruiter."""
    return frozenset(
        session.scalars(
            select(Reminder.interview_id).where(
                Reminder.candidate_id == candidate_id,
                Reminder.kind == ReminderKind.ESCALATION,
                Reminder.status == ReminderStatus.SENT,
            )
        ).all()
    )
