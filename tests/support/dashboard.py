"""Loops written straight into the database for the dashboard's tests and its benchmark: set-based
inserts (one statement per table, batched), so 10,000 loops take seconds, not minutes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Engine, event, insert
from sqlalchemy.orm import Session

from db.models import Candidate, Debrief, Interview, InterviewStatus, LoopStatus, Rating, Scorecard
from db.vocabulary import Decision


@dataclass
class Seat:
    """One interview: its stage, who, when, and the scorecard (when it came, and its ratings)."""

    stage: str
    interviewer: str
    starts_at: datetime
    submitted_at: datetime | None = None
    ratings: dict[str, int] = field(default_factory=dict)
    minutes: int = 60


@dataclass
class Past:
    """One loop: opened at `created_at`, decided (or not), with its interviews and debrief."""

    name: str
    created_at: datetime
    seats: Sequence[Seat] = ()
    status: LoopStatus = LoopStatus.OPEN
    decision: Decision | None = None
    decided_at: datetime | None = None
    debrief_at: datetime | None = None
    recruiter: str = "U0RITA0001"
    manager: str = "U0HANK0001"
    channel_id: str | None = None


def seed(session: Session, loops: Sequence[Past], pack: str = "ml-engineer") -> list[int]:
    """Insert the loops, their interviews, scorecards, ratings and debriefs; returns the candidate ids."""
    if not loops:
        return []
    ids = list(
        session.scalars(
            insert(Candidate).returning(Candidate.id, sort_by_parameter_order=True),
            [_candidate(loop, pack) for loop in loops],
        )
    )
    debriefs = [
        {"candidate_id": cid, "scheduled_at": loop.debrief_at, "summarised": {}}
        for cid, loop in zip(ids, loops, strict=True)
        if loop.debrief_at is not None
    ]
    if debriefs:
        session.execute(insert(Debrief), debriefs)
    seats = [(cid, seat) for cid, loop in zip(ids, loops, strict=True) for seat in loop.seats]
    if not seats:
        return ids
    interview_ids = list(
        session.scalars(
            insert(Interview).returning(Interview.id, sort_by_parameter_order=True),
            [_interview(cid, seat) for cid, seat in seats],
        )
    )
    carded = [(iid, seat) for iid, (_, seat) in zip(interview_ids, seats, strict=True) if seat.submitted_at]
    if not carded:
        return ids
    card_ids = list(
        session.scalars(
            insert(Scorecard).returning(Scorecard.id, sort_by_parameter_order=True),
            [_scorecard(iid, seat, pack) for iid, seat in carded],
        )
    )
    ratings = [
        {"scorecard_id": sid, "competency_key": key, "competency_name": key, "rating": value}
        for sid, (_, seat) in zip(card_ids, carded, strict=True)
        for key, value in seat.ratings.items()
    ]
    if ratings:
        session.execute(insert(Rating), ratings)
    return ids


def _candidate(loop: Past, pack: str) -> dict:
    return {
        "name": loop.name,
        "pack": pack,
        "pack_version": 1,
        "profile": "balanced",
        "recruiter_id": loop.recruiter,
        "hiring_manager_id": loop.manager,
        "created_by": loop.recruiter,
        "channel_id": loop.channel_id,
        "card_ts": "1700000000.000100",  # set up: the loop is not waiting for its card
        "status": loop.status,
        "decision": loop.decision,
        "decided_at": loop.decided_at,
        "problems": [],
        "created_at": loop.created_at,
        "updated_at": loop.created_at,
    }


def _interview(candidate_id: int, seat: Seat) -> dict:
    return {
        "candidate_id": candidate_id,
        "stage_key": seat.stage,
        "interviewer_id": seat.interviewer,
        "starts_at": seat.starts_at,
        "duration_minutes": seat.minutes,
        "timezone": "UTC",
        "status": InterviewStatus.SCHEDULED,
        "invite_sequence": 0,
        "created_at": seat.starts_at,
        "updated_at": seat.starts_at,
    }


def _scorecard(interview_id: int, seat: Seat, pack: str) -> dict:
    return {
        "interview_id": interview_id,
        "interviewer_id": seat.interviewer,
        "pack": pack,
        "pack_version": 1,
        "recommendation": "yes",
        "submitted_at": seat.submitted_at,
        "updated_at": seat.submitted_at,
        "amendments": 0,
    }


class StatementCounter:
    """Counts the SQL statements an engine runs while in use (`with StatementCounter(engine) as n:`)."""

    def __init__(self, engine: Engine):
        self.engine, self.count = engine, 0

    def _seen(self, *_: object) -> None:
        self.count += 1

    def __enter__(self) -> StatementCounter:
        event.listen(self.engine, "before_cursor_execute", self._seen)
        return self

    def __exit__(self, *_: object) -> None:
        event.remove(self.engine, "before_cursor_execute", self._seen)
