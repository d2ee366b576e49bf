"""The loop card's one SELECT (bot/services/readmodels.py) stays a lookup as the workspace's
history grows: every DM hirebot ever sent stays a 'sent' reminder."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from bot.services.readmodels import _card_queries
from db.session import Database
from tests.conftest import PG_URL
from tests.support.outbox_rows import add_interview, add_loop, older_loops

NOW = datetime(2030, 3, 4, 9, tzinfo=UTC)


def _workspace(database: Database) -> int:
    """40 older loops with their DMs, and loop 99 (channel C00000099), whose id is returned."""
    older_loops(database, NOW)
    with database.transaction() as session:
        loop = add_loop(session, "Candidate 99", "C00000099", "URITA", "UHANK")
        for k in range(4):
            add_interview(session, loop, "UPRIYA", NOW - timedelta(days=1, hours=k))
        return loop.id


@pytest.mark.skipif(not PG_URL, reason="needs HIREBOT_TEST_DATABASE_URL (PostgreSQL)")
def test_the_cards_escalation_check_reads_only_its_own_interviews_reminders(database: Database) -> None:
    if not database.is_postgresql:
        pytest.skip("PostgreSQL's plan (SQLite plans this query per row in any case)")
    _workspace(database)
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


@pytest.mark.skipif(not PG_URL, reason="needs HIREBOT_TEST_DATABASE_URL (PostgreSQL)")
@pytest.mark.parametrize("by", ["id", "channel"])
def test_the_card_is_planned_once_per_connection_not_on_every_status(database: Database, by: str) -> None:
    """The driver prepares a statement it has run 5 times on a connection; PostgreSQL then plans
    the first 5 runs of it for their own values (custom plans) and afterwards keeps one generic
    plan, unless that one looks dearer. Looked up by channel, the card never got there and each
    `/hire status` paid the planning again: 3.5 times the database CPU of the lookup by id."""
    if not database.is_postgresql:
        pytest.skip("PostgreSQL's plan cache (SQLite's driver keeps no prepared statements between runs)")
    loop_id = _workspace(database)
    by_id, by_channel = _card_queries()
    query, key = (by_id, loop_id) if by == "id" else (by_channel, "C00000099")
    with database.engine.connect() as connection:
        for _ in range(15):
            assert len(connection.execute(query, {"key": key}).all()) == 4
        generic, custom = connection.execute(
            text(
                "SELECT generic_plans, custom_plans FROM pg_prepared_statements"
                " WHERE NOT from_sql AND statement LIKE :card"
            ),
            {"card": "SELECT candidates.id, candidates.name%"},
        ).one()
    assert custom <= 5 and generic >= 5, (generic, custom)


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
