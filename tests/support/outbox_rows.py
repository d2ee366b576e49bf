"""Outbox rows for the concurrency tests and the benchmarks: loops, and interviews whose
reminders are due or long sent, without going through Slack."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import text
from sqlalchemy.orm import Session

from db.models import Candidate, Interview, LoopStatus, Reminder, ReminderKind, ReminderStatus
from db.session import Database


def candidate_row(n: int, created: datetime) -> dict:
    """An open loop as a bulk-insert row (`insert(Candidate)`), for benchmarks seeding thousands."""
    return dict(
        id=n,
        name=f"Candidate {n}",
        pack="ml-engineer",
        pack_version=1,
        profile="balanced",
        recruiter_id="U0R",
        hiring_manager_id="U0M",
        channel_id=f"C{n:08d}",
        status="open",
        problems=[],
        created_by="U0R",
        created_at=created,
        updated_at=created,
    )


def add_loop(session: Session, name: str, channel_id: str, recruiter: str, manager: str) -> Candidate:
    candidate = Candidate(
        name=name,
        pack="ml-engineer",
        pack_version=1,
        profile="balanced",
        recruiter_id=recruiter,
        hiring_manager_id=manager,
        channel_id=channel_id,
        status=LoopStatus.OPEN,
        created_by=recruiter,
    )
    session.add(candidate)
    session.flush()
    return candidate


def add_interview(session: Session, candidate: Candidate, person: str, starts_at: datetime) -> Interview:
    """A coding-round interview for `person` on `candidate`'s loop."""
    interview = Interview(
        candidate_id=candidate.id,
        stage_key="coding_round",
        interviewer_id=person,
        starts_at=starts_at,
        duration_minutes=60,
        timezone="Europe/London",
    )
    session.add(interview)
    session.flush()
    return interview


def add_reminder(
    session: Session,
    candidate_id: int,
    interview_id: int,
    person: str,
    kind: ReminderKind,
    due_at: datetime,
    status: ReminderStatus = ReminderStatus.PENDING,
) -> None:
    """One reminder of `kind` to `person` about an interview, due at `due_at`."""
    session.add(
        Reminder(
            kind=kind,
            candidate_id=candidate_id,
            interview_id=interview_id,
            target_user_id=person,
            due_at=due_at,
            status=status,
        )
    )


def add_due(
    session: Session, candidate: Candidate, person: str, kind: ReminderKind, starts_at: datetime, due_at: datetime
) -> None:
    """A coding-round interview for `person` and one reminder of `kind` about it, due at `due_at`."""
    interview = add_interview(session, candidate, person, starts_at)
    add_reminder(session, candidate.id, interview.id, person, kind, due_at)


def older_loops(database: Database, now: datetime, loops: int = 40) -> None:
    """A workspace with history, the shape of data that decides PostgreSQL's plans once its
    statistics catch up: `loops` loops (channels C00000001 on) of 4 day-old interviews, each
    with receipts, chasers and escalations sent, the loops' tables analysed and the reminders
    not since they filled up (autovacuum's threshold is a share of the table's size)."""
    sent = (ReminderKind.RECEIPT, ReminderKind.CHASER, ReminderKind.ESCALATION) * 6
    with database.transaction() as session:
        for n in range(1, loops + 1):
            candidate = add_loop(session, f"Candidate {n}", f"C{n:08d}", "URITA", "UHANK")
            for k in range(4):
                interview = add_interview(session, candidate, "UPRIYA", now - timedelta(days=1, hours=k))
                for kind in sent:
                    add_reminder(
                        session,
                        candidate.id,
                        interview.id,
                        "UPRIYA",
                        kind,
                        now - timedelta(days=30),
                        ReminderStatus.SENT,
                    )
        if database.is_postgresql:
            session.execute(text("ANALYZE candidates, interviews"))
