"""A claim takes whole people: the due rows it picks, and every other due row of the same
people, so that each person gets one DM with everything due for them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot.services.outbox import claim, next_due
from db.models import Reminder, ReminderKind, ReminderStatus
from db.session import Database
from tests.support.outbox_rows import add_due, add_loop

NOW = datetime(2030, 3, 4, 9, 30, tzinfo=UTC)


def seed(db: Database) -> None:
    with db.transaction() as session:
        loop = add_loop(session, "Claim Test", "C0CLAIM", "U0R", "U0M")
        starts = NOW - timedelta(days=3)
        # The earliest row is Ada's; she has two more due, and one not yet due.
        add_due(session, loop, "U0ADA", ReminderKind.CHASER, starts, NOW - timedelta(minutes=5))
        add_due(session, loop, "U0BEN", ReminderKind.CHASER, starts, NOW - timedelta(minutes=4))
        add_due(session, loop, "U0ADA", ReminderKind.CHASER, starts, NOW - timedelta(minutes=1))
        add_due(session, loop, "U0ADA", ReminderKind.SCORECARD_DUE, starts, NOW)
        add_due(session, loop, "U0ADA", ReminderKind.CHASER, starts, NOW + timedelta(hours=1))


def claimed_by(db: Database, token: str | None) -> list[str]:
    with db.transaction() as session:
        return sorted(session.scalars(select(Reminder.target_user_id).where(Reminder.claim_token == token)))


def test_a_claim_of_one_row_takes_all_that_is_due_for_its_person(database: Database):
    seed(database)
    token = claim(database, NOW, limit=1)
    assert claimed_by(database, token) == ["U0ADA"] * 3  # not Ben's, not Ada's row due later
    second = claim(database, NOW, limit=1)
    assert claimed_by(database, second) == ["U0BEN"]
    assert claim(database, NOW, limit=1) is None


def test_a_claim_for_some_kinds_takes_only_those_kinds(database: Database):
    seed(database)
    token = claim(database, NOW, kinds=(ReminderKind.SCORECARD_DUE,))
    assert claimed_by(database, token) == ["U0ADA"]


def test_next_due_is_the_earliest_pending_row(database: Database):
    assert next_due(database) is None
    seed(database)
    assert next_due(database) == NOW - timedelta(minutes=5)
    claim(database, NOW)
    assert next_due(database) == NOW + timedelta(hours=1)
    with database.transaction() as session:
        assert session.scalar(select(Reminder.status).where(Reminder.due_at == NOW)) is ReminderStatus.SENDING
