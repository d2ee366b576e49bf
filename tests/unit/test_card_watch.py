"""PostgreSQL's notices of card changes (db/card_watch.py): every write the loop card would show
notifies its loop, at commit; writes it would not show notify nothing; and the tables and
columns the card reads are the ones watched."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Table, select, text
from sqlalchemy.sql.util import find_tables

from bot.services.readmodels import _card_queries
from db.card_watch import WATCHED, CardWatch, drop_ddl, watched
from db.models import Debrief, Reminder, ReminderKind, Scorecard
from db.session import Database
from tests.conftest import PG_URL
from tests.support.outbox_rows import add_interview, add_loop, add_reminder

NOW = datetime(2030, 3, 4, 9, tzinfo=UTC)
pytestmark = pytest.mark.skipif(not PG_URL, reason="needs HIREBOT_TEST_DATABASE_URL (PostgreSQL)")


class Heard:
    def __init__(self) -> None:
        self.changes: list[int | None] = []
        self.states: list[bool] = []
        self.lock = threading.Lock()

    def change(self, loop_id: int | None) -> None:
        with self.lock:
            self.changes.append(loop_id)

    def state(self, live: bool) -> None:
        with self.lock:
            self.states.append(live)

    def wait_for(self, check, seconds: float = 5.0) -> bool:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            with self.lock:
                if check(self):
                    return True
            time.sleep(0.02)
        return False

    def take(self) -> list[int | None]:
        """What was heard so far, after a moment for stragglers; forgotten afterwards."""
        time.sleep(0.3)
        with self.lock:
            taken, self.changes = self.changes, []
        return taken


def listening(database: Database) -> tuple[Heard, CardWatch]:
    if not database.is_postgresql:
        pytest.skip("PostgreSQL's LISTEN/NOTIFY")
    heard = Heard()
    watch = CardWatch(database.engine, heard.change, heard.state)
    watch.start()
    assert heard.wait_for(lambda h: h.states[-1:] == [True])
    heard.take()
    return heard, watch


@pytest.fixture
def heard(database: Database):
    heard, watch = listening(database)
    yield heard
    watch.stop()


def run(database: Database, sql: str, **params) -> None:
    with database.engine.begin() as connection:
        connection.execute(text(sql), params)


def test_each_change_the_card_shows_notifies_its_loop(database: Database, heard: Heard) -> None:
    with database.transaction() as session:
        loop = add_loop(session, "Ada", "C1", "URITA", "UHANK")
        other = add_loop(session, "Bo", "C2", "URITA", "UHANK")
        interview = add_interview(session, loop, "UPRIYA", NOW - timedelta(days=1))
        loop_id, other_id, interview_id = loop.id, other.id, interview.id
    assert set(heard.take()) == {loop_id, other_id}

    run(database, "UPDATE candidates SET name = 'Ada L' WHERE id = :id", id=loop_id)
    assert heard.take() == [loop_id]
    run(database, "UPDATE interviews SET starts_at = starts_at + interval '1 hour' WHERE id = :id", id=interview_id)
    assert heard.take() == [loop_id]
    with database.transaction() as session:
        session.add(Debrief(candidate_id=loop_id, scheduled_at=NOW))
    assert heard.take() == [loop_id]
    with database.transaction() as session:
        session.add(
            Scorecard(
                interview_id=interview_id,
                interviewer_id="UPRIYA",
                pack="ml-engineer",
                pack_version=1,
                recommendation="yes",
            )
        )
    assert heard.take() == [loop_id]

    # An edit of the scorecard changes nothing the card shows (whether one is in): no notice.
    run(
        database,
        "UPDATE scorecards SET recommendation = 'no', amendments = 1 WHERE interview_id = :id",
        id=interview_id,
    )
    assert heard.take() == []
    # Nor does a DM's progress; an escalation's does ("escalated" on the card).
    with database.transaction() as session:
        other_interview = add_interview(session, other, "UPRIYA", NOW - timedelta(days=1))
        add_reminder(session, other_id, other_interview.id, "UPRIYA", ReminderKind.CHASER, NOW)
        add_reminder(session, other_id, other_interview.id, "UHANK", ReminderKind.ESCALATION, NOW)
        ids = {r.kind: r.id for r in session.scalars(select(Reminder).where(Reminder.candidate_id == other_id))}
        dm_id, escalation_id = ids[ReminderKind.CHASER], ids[ReminderKind.ESCALATION]
    assert heard.take() == [other_id]
    run(database, "UPDATE reminders SET status = 'sent' WHERE id = :id", id=dm_id)
    assert heard.take() == []
    run(database, "UPDATE reminders SET status = 'sent' WHERE id = :id", id=escalation_id)
    assert heard.take() == [other_id]

    # Removed rows notify too, the loop itself last of all.
    run(database, "DELETE FROM scorecards WHERE interview_id = :id", id=interview_id)
    assert heard.take() == [loop_id]
    run(database, "DELETE FROM candidates WHERE id = :id", id=loop_id)
    assert set(heard.take()) == {loop_id}
    run(database, "TRUNCATE reminders")
    assert None in heard.take()


def test_a_rolled_back_change_notifies_nothing(database: Database, heard: Heard) -> None:
    with database.transaction() as session:
        loop_id = add_loop(session, "Ada", "C1", "URITA", "UHANK").id
    heard.take()
    with database.engine.connect() as connection:
        connection.execute(text("UPDATE candidates SET name = 'Never' WHERE id = :id"), {"id": loop_id})
        connection.rollback()
    assert heard.take() == []


def test_the_card_reads_only_what_is_watched() -> None:
    """A table added to the card's read that is not watched here would be kept stale."""
    for query in _card_queries():
        found = find_tables(query, include_joins=True, include_selects=True, check_columns=True)
        tables = {t.name for t in found if isinstance(t, Table)}
        assert tables <= {table for table, *_ in WATCHED}, tables
        # Of a scorecard, the card reads only that it is there (its id): an edit notifies nothing.
        columns = [getattr(c, "element", c) for c in query.selected_columns]
        read = {c.name for c in columns if getattr(c, "table", None) is Scorecard.__table__}
        assert read == {"id"}, read


def test_without_the_triggers_the_cache_is_never_switched_on(database: Database, caplog) -> None:
    if not database.is_postgresql:
        pytest.skip("PostgreSQL's LISTEN/NOTIFY")
    with database.engine.begin() as connection:
        for statement in drop_ddl():
            connection.execute(text(statement))
    assert not watched(database.engine)
    heard = Heard()
    watch = CardWatch(database.engine, heard.change, heard.state)
    watch.start()
    try:
        assert not heard.wait_for(lambda h: True in h.states, seconds=1.0)
        assert "no card triggers" in caplog.text
    finally:
        watch.stop()


def test_a_notice_naming_no_loop_drops_everything_and_stopping_serves_nothing(database: Database) -> None:
    heard, watch = listening(database)
    run(database, "SELECT pg_notify('hirebot_cards', 'not a loop')")
    assert heard.wait_for(lambda h: None in h.changes)
    watch.stop()
    assert heard.states[-1] is False
