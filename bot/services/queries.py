"""Lookups shared by the loop services: a loop by id, with what its views need, and audit lines."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload, selectinload

from bot.errors import NotFound, PermissionDenied
from bot.mrkdwn import mention
from db.models import AuditEvent, Candidate, Interview, LoopStatus, Scorecard


def audit(actor: str | None, action: str, candidate_id: int | None, details: dict) -> AuditEvent:
    return AuditEvent(actor_id=actor, action=action, candidate_id=candidate_id, details=details)


def candidate(session: Session, candidate_id: int) -> Candidate:
    found = session.get(Candidate, candidate_id)
    if found is None or found.status is LoopStatus.PURGED:
        raise NotFound("That hiring loop no longer exists.")
    return found


def ensure_runs_loop(candidate: Candidate, user_id: str, action: str) -> None:
    """The loop's recruiter and hiring manager run it: its plan, its pre-read, its decision."""
    if user_id not in (candidate.recruiter_id, candidate.hiring_manager_id):
        raise PermissionDenied(
            f"Only this loop's recruiter or hiring manager ({mention(candidate.recruiter_id)}, "
            f"{mention(candidate.hiring_manager_id)}) can {action}."
        )


def load_loop(session: Session, candidate_id: int) -> Candidate:
    """A loop with its interviews, whether each scorecard is in (its id only: never its
    content), and the debrief. Three statements, whatever its size."""
    found = session.scalar(
        select(Candidate)
        .where(Candidate.id == candidate_id)
        .options(
            selectinload(Candidate.interviews).selectinload(Interview.scorecard).load_only(Scorecard.id),
            joinedload(Candidate.debrief),
        )
    )
    if found is None or found.status is LoopStatus.PURGED:
        raise NotFound("That hiring loop no longer exists.")
    return found


def scorecards_now(session: Session, candidate_ids: list[int]) -> dict[int, dict[str, int]]:
    """Each loop's scorecards as a posted pre-read records them (`Debrief.summarised`): id -> amendments."""
    now: dict[int, dict[str, int]] = {}
    if not candidate_ids:
        return now
    rows = session.execute(
        select(Interview.candidate_id, Scorecard.id, Scorecard.amendments)
        .join(Interview, Interview.id == Scorecard.interview_id)
        .where(Interview.candidate_id.in_(candidate_ids))
    )
    for candidate_id, card_id, amendments in rows:
        now.setdefault(candidate_id, {})[str(card_id)] = amendments
    return now
