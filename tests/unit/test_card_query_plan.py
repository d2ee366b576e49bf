"""The loop card's one SELECT (bot/services/readmodels.py) stays a lookup as the workspace's
history grows: every DM hirebot ever sent stays a 'sent' reminder."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import insert, text

from bot.services.readmodels import _card_queries
from db.models import Candidate, Interview, Reminder, ReminderKind, ReminderStatus
from db.session import Database
from tests.conftest import PG_URL

NOW = datetime(2030, 3, 4, 9, tzinfo=UTC)


def _loop(connection, n: int, interviews: int) -> list[int]:
    candidate = connection.execute(
        insert(Candidate).returning(Candidate.id),
        {
            "name": f"Candidate {n}",
            "pack": "mle",
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
            "stage_key": "coding",
            "interviewer_id": "UPRIYA",
            "starts_at": NOW - timedelta(days=1, hours=k),
            "duration_minutes": 60,
            "timezone": "Europe/London",
        }
        for k in range(interviews)
    ]
    return list(connection.execute(insert(Interview).returning(Interview.id), rows).scalars())


@pytest.mark.skipif(not PG_URL, reason="needs HIREBOT_TEST_DATABASE_URL (PostgreSQL)")
def test_the_cards_escalation_check_reads_only_its_own_interviews_reminders(database: Database) -> None:
    if not database.is_postgresql:
        pytest.skip("PostgreSQL's plan (SQLite plans this query per row in any case)")
    with database.engine.begin() as connection:
        for n in range(1, 41):  # 40 older loops, each with DMs, receipts and escalations sent
            for interview in _loop(connection, n, 4):
                kinds = (ReminderKind.RECEIPT, ReminderKind.CHASER, ReminderKind.ESCALATION) * 6
                sent = [
                    {
                        "kind": kind,
                        "candidate_id": 1,
                        "interview_id": interview,
                        "target_user_id": "UPRIYA",
                        "due_at": NOW - timedelta(days=30),
                        "status": ReminderStatus.SENT,
                    }
                    for kind in kinds
                ]
                connection.execute(insert(Reminder), sent)
        _loop(connection, 99, 4)
        # Statistics as a young workspace leaves them: the loops' tables analysed, the reminders
        # not since they filled up (autovacuum's threshold is a share of the table's size).
        connection.execute(text("ANALYZE candidates, interviews"))
    by_channel = _card_queries()[1]
    compiled = by_channel.compile(dialect=database.engine.dialect)
    with database.engine.connect() as connection:
        params = {**compiled.params, "key": "C00000099"}
        plan = connection.exec_driver_sql(f"EXPLAIN (FORMAT JSON) {compiled}", params).scalar_one()
    shown = json.dumps(plan)
    # Each interview's escalations are looked up by interview_id; nothing reads the sent rows at large.
    assert "ix_reminders_escalations_sent" in shown, shown
    assert "ix_reminders_status_due_at" not in shown, shown
    assert not [
        node for node in _nodes(plan) if node.get("Relation Name") == "reminders" and "Seq" in node["Node Type"]
    ]


def _nodes(plan: object) -> list[dict]:
    found: list[dict] = []
    if isinstance(plan, list):
        for item in plan:
            found += _nodes(item)
    elif isinstance(plan, dict):
        found.append(plan)
        for value in plan.values():
            found += _nodes(value)
    return found
