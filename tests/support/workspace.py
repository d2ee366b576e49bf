"""An older workspace written straight to the database: loops whose interviews have had every
kind of DM, the shape of data that decides PostgreSQL's plans once its statistics catch up."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import insert, text

from db.models import Candidate, Interview, Reminder, ReminderKind, ReminderStatus
from db.session import Database


def loop_rows(connection, n: int, interviews: int, now: datetime, pack: str, stage: str) -> tuple[int, list[int]]:
    """Loop n (channel C0000000n) with its interviews, a day old: the loop's id and theirs."""
    candidate = connection.execute(
        insert(Candidate).returning(Candidate.id),
        {
            "name": f"Candidate {n}",
            "pack": pack,
            "pack_version": 1,
            "profile": "balanced",
            "recruiter_id": "URITA",
            "hiring_manager_id": "UHANK",
            "channel_id": f"C{n:08d}",
            "created_by": "URITA",
        },
    ).scalar_one()
    rows = [
        {
            "candidate_id": candidate,
            "stage_key": stage,
            "interviewer_id": "UPRIYA",
            "starts_at": now - timedelta(days=1, hours=k),
            "duration_minutes": 60,
            "timezone": "Europe/London",
        }
        for k in range(interviews)
    ]
    return candidate, list(connection.execute(insert(Interview).returning(Interview.id), rows).scalars())


def older_loops(database: Database, now: datetime, pack: str, stage: str, loops: int = 40) -> None:
    """`loops` loops of 4 interviews, each interview with receipts, chasers and escalations sent,
    and statistics as a young workspace leaves them: the loops' tables analysed, the reminders
    not since they filled up (autovacuum's threshold is a share of the table's size)."""
    with database.engine.begin() as connection:
        for n in range(1, loops + 1):
            candidate, interviews = loop_rows(connection, n, 4, now, pack, stage)
            for interview in interviews:
                kinds = (ReminderKind.RECEIPT, ReminderKind.CHASER, ReminderKind.ESCALATION) * 6
                sent = [
                    {
                        "kind": kind,
                        "candidate_id": candidate,
                        "interview_id": interview,
                        "target_user_id": "UPRIYA",
                        "due_at": now - timedelta(days=30),
                        "status": ReminderStatus.SENT,
                    }
                    for kind in kinds
                ]
                connection.execute(insert(Reminder), sent)
        if database.is_postgresql:
            connection.execute(text("ANALYZE candidates, interviews"))
