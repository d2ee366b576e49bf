"""bot/metrics.py and the edge's request counting (bot/ops_http.py), in one process."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from prometheus_client.parser import text_string_to_metric_families
from slack_bolt.response import BoltResponse
from sqlalchemy import create_engine

from bot import metrics
from bot.ops_http import interaction, outcome
from bot.services.outbox import backlog
from db.models import Candidate, Reminder, ReminderKind, ReminderStatus
from db.session import Database

NOW = datetime(2030, 3, 6, 14, 0, tzinfo=UTC)


def add_rows(db: Database, rows: list[tuple[ReminderStatus, timedelta, timedelta | None]]) -> None:
    """(status, due relative to NOW, claim lease end relative to NOW) per row."""
    with db.transaction() as session:
        candidate = Candidate(
            name="Metrics Candidate",
            pack="ml-engineer",
            pack_version=1,
            profile="balanced",
            recruiter_id="U0RITA",
            hiring_manager_id="U0HANK",
            created_by="U0RITA",
        )
        session.add(candidate)
        session.flush()
        for status, due, lease in rows:
            session.add(
                Reminder(
                    kind=ReminderKind.CHASER,
                    candidate_id=candidate.id,
                    target_user_id="U0PRIYA",
                    due_at=NOW + due,
                    status=status,
                    claimed_until=NOW + lease if lease is not None else None,
                    claim_token="t" if lease is not None else None,
                )
            )


def test_backlog_counts_rows_by_status_and_the_oldest_due_pending_row(database: Database) -> None:
    add_rows(
        database,
        [
            (ReminderStatus.PENDING, timedelta(minutes=-7), None),  # due 7 minutes ago
            (ReminderStatus.PENDING, timedelta(minutes=5), None),  # not due yet
            (ReminderStatus.SENDING, timedelta(hours=-1), timedelta(minutes=5)),  # being sent now
            (ReminderStatus.SENT, timedelta(days=-3), None),
            (ReminderStatus.FAILED, timedelta(days=-2), None),
        ],
    )
    found = backlog(database, NOW)
    assert found.by_status[ReminderStatus.PENDING] == 2
    assert found.by_status[ReminderStatus.SENDING] == 1
    assert found.by_status[ReminderStatus.SENT] == 1 and found.by_status[ReminderStatus.FAILED] == 1
    assert found.by_status[ReminderStatus.EXPIRED] == 0
    assert found.oldest_due_seconds == 7 * 60


def test_a_row_whose_sweep_died_counts_as_due(database: Database) -> None:
    add_rows(
        database,
        [
            (ReminderStatus.SENDING, timedelta(minutes=-30), timedelta(minutes=-20)),  # lease lapsed
            (ReminderStatus.PENDING, timedelta(minutes=10), None),
        ],
    )
    assert backlog(database, NOW).oldest_due_seconds == 30 * 60


def test_nothing_due_is_zero_and_an_empty_outbox_is_zero(database: Database) -> None:
    assert backlog(database, NOW).oldest_due_seconds == 0
    add_rows(database, [(ReminderStatus.PENDING, timedelta(minutes=1), None)])
    assert backlog(database, NOW).oldest_due_seconds == 0


def scrape(registry) -> dict[tuple[str, tuple], float]:
    text = metrics.exposition(registry).decode()
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def test_the_outbox_gauges_are_read_at_scrape_time(database: Database) -> None:
    registry = metrics.build_registry(database, clock=lambda: NOW)
    assert scrape(registry)[("hirebot_outbox_rows", (("status", "pending"),))] == 0
    add_rows(database, [(ReminderStatus.PENDING, timedelta(minutes=-6), None)])
    found = scrape(registry)
    assert found[("hirebot_outbox_rows", (("status", "pending"),))] == 1
    assert found[("hirebot_outbox_oldest_due_seconds", ())] == 360
    # This process's counters come along in single-process mode.
    assert ("hirebot_reminders_total", (("outcome", "failed"),)) in found


def test_a_database_that_is_gone_drops_the_gauges_not_the_scrape(tmp_path) -> None:
    gone = Database(create_engine(f"sqlite:///{tmp_path}/missing/dir/x.db"))
    found = scrape(metrics.build_registry(gone))
    assert not any(name.startswith("hirebot_outbox") for name, _ in found)
    assert ("hirebot_reminders_total", (("outcome", "sent"),)) in found


@pytest.mark.parametrize(
    ("body", "kind"),
    [
        ({"command": "/hire", "text": "help"}, "command"),
        ({"type": "block_actions", "actions": [{"action_id": "x"}]}, "action"),
        ({"type": "view_submission", "view": {"callback_id": "c"}}, "view_submission"),
        ({"type": "view_closed", "view": {"callback_id": "c"}}, "view_closed"),
        ({"type": "event_callback", "event": {"type": "app_home_opened"}}, "event"),
        ({"type": "url_verification", "challenge": "c"}, "url_verification"),
        ({"type": "Priya Raman's <script>"}, "other"),  # a label never carries what a sender chose
        ({}, "other"),
    ],
)
def test_requests_are_named_from_a_fixed_set(body: dict, kind: str) -> None:
    assert interaction(body) == kind


@pytest.mark.parametrize(
    ("kind", "status", "body", "expected"),
    [
        ("command", 200, "", "ok"),
        ("view_submission", 200, json.dumps({"response_action": "errors", "errors": {"b": "Say why"}}), "invalid"),
        ("view_submission", 200, json.dumps({"response_action": "update", "view": {}}), "ok"),
        ("view_submission", 200, '{"response_action": "errors", ', "ok"),  # not JSON: not told apart
        ("action", 401, "", "rejected"),
        ("event", 404, "", "unhandled"),
        ("command", 500, "", "error"),
        ("command", 400, "", "bad_request"),
    ],
)
def test_outcomes(kind: str, status: int, body: str, expected: str) -> None:
    assert outcome(kind, BoltResponse(status=status, body=body)) == expected


def test_the_background_queue_depth_is_a_gauge_on_the_scrape() -> None:
    registry = metrics.build_registry()
    metrics.record_background_depth(3)
    scraped = {
        s.name: s.value
        for family in text_string_to_metric_families(metrics.exposition(registry).decode())
        for s in family.samples
    }
    metrics.record_background_depth(0)
    assert scraped["hirebot_background_jobs_waiting"] == 3


def test_a_scrape_while_a_process_is_creating_its_counts_file_counts_the_others(tmp_path) -> None:
    from prometheus_client.mmap_dict import MmapedDict, mmap_key

    written = MmapedDict(str(tmp_path / "counter_101.db"))
    key = mmap_key("hirebot_requests", "hirebot_requests_total", ["outcome"], ["ok"], "requests")
    written.write_value(key, 3.0, 0.0)
    written.close()
    (tmp_path / "counter_102.db").touch()  # a worker that has opened its file and not yet sized it
    found = {s.name: s.value for m in metrics._WrittenFiles(None, path=str(tmp_path)).collect() for s in m.samples}
    assert found == {"hirebot_requests_total": 3.0}
