"""Alembic migrations (db/migrate.py) against the models, on SQLite and (when configured) PostgreSQL."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.exc import IntegrityError, StatementError

from db.migrate import downgrade, upgrade
from db.models import Base, Candidate, Interview, Rating, Scorecard
from db.session import Database, make_engine
from tests.conftest import DATABASES, database_url

MODEL_TABLES = set(Base.metadata.tables)


def _wipe(engine: sa.Engine) -> None:
    Base.metadata.drop_all(engine)
    with engine.begin() as connection:
        connection.execute(sa.text("DROP TABLE IF EXISTS alembic_version"))


@pytest.fixture(params=DATABASES)
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database URL with no hirebot tables and no alembic history."""
    url = database_url(request.param, tmp_path)
    engine = make_engine(url)
    _wipe(engine)
    yield url
    _wipe(engine)
    engine.dispose()


@pytest.fixture
def migrated(empty_url: str) -> Iterator[Database]:
    upgrade(empty_url)
    engine = make_engine(empty_url)
    yield Database(engine)
    engine.dispose()


def tables(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        return set(sa.inspect(engine).get_table_names())
    finally:
        engine.dispose()


def schema_diff(url: str, metadata: sa.MetaData = Base.metadata) -> list:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(
                connection, opts={"compare_type": True, "compare_server_default": True}
            )
            return compare_metadata(context, metadata)
    finally:
        engine.dispose()


def test_the_models_define_the_expected_tables() -> None:
    assert MODEL_TABLES == {
        "candidates",
        "team_members",
        "interviews",
        "scorecards",
        "ratings",
        "raised_red_flags",
        "scorecard_drafts",
        "reminders",
        "debriefs",
        "dm_recipients",
        "sealed_votes",
        "people",
        "pool_members",
        "interview_trainees",
        "practice_scorecards",
        "audit_events",
        "card_changes",
    }


def test_upgrade_down_and_up_again(empty_url: str) -> None:
    assert not tables(empty_url) & MODEL_TABLES

    upgrade(empty_url)
    assert tables(empty_url) >= MODEL_TABLES | {"alembic_version"}

    downgrade(empty_url)
    assert not tables(empty_url) & MODEL_TABLES

    upgrade(empty_url)
    assert tables(empty_url) >= MODEL_TABLES
    assert schema_diff(empty_url) == []


def test_the_migrated_schema_matches_the_models(empty_url: str) -> None:
    upgrade(empty_url)
    diff = schema_diff(empty_url)
    assert diff == [], f"models and migrations disagree; write a migration for: {diff}"


def test_the_schema_comparison_does_notice_a_difference(empty_url: str) -> None:
    """A control for the test above: a model change without a migration must show up."""
    upgrade(empty_url)
    changed = copy.deepcopy(Base.metadata)
    changed.tables["candidates"].append_column(sa.Column("nickname", sa.String(40)))
    diff = schema_diff(empty_url, changed)
    assert any(d[0] == "add_column" and d[3].name == "nickname" for d in diff), diff


def test_upgrade_is_idempotent(empty_url: str) -> None:
    upgrade(empty_url)
    upgrade(empty_url)
    assert schema_diff(empty_url) == []


# Constraints of the migrated schema.

T0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


def _interview(session: sa.orm.Session) -> Interview:
    candidate = Candidate(
        name="Ada Lovelace",
        pack="ml-engineer",
        pack_version=1,
        profile="balanced",
        recruiter_id="U0REC",
        hiring_manager_id="U0HM",
        created_by="U0REC",
        created_at=T0,
        updated_at=T0,
    )
    interview = Interview(
        candidate=candidate,
        stage_key="coding_round",
        interviewer_id="U0INT",
        starts_at=T0 + timedelta(days=3),
        duration_minutes=60,
        timezone="Europe/London",
        created_at=T0,
        updated_at=T0,
    )
    session.add_all([candidate, interview])
    session.flush()
    return interview


def _scorecard(interview_id: int) -> Scorecard:
    return Scorecard(
        interview_id=interview_id,
        interviewer_id="U0INT",
        pack="ml-engineer",
        pack_version=1,
        recommendation="yes",
        submitted_at=T0,
        updated_at=T0,
    )


def test_one_scorecard_per_interview(migrated: Database) -> None:
    with migrated.transaction() as session:
        interview_id = _interview(session).id
        session.add(_scorecard(interview_id))

    with pytest.raises(IntegrityError), migrated.transaction() as session:
        session.add(_scorecard(interview_id))
        session.flush()

    with migrated.transaction() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(Scorecard)) == 1


@pytest.mark.parametrize("value", [0, 5])
def test_a_rating_outside_1_to_4_is_refused(migrated: Database, value: int) -> None:
    with migrated.transaction() as session:
        card = _scorecard(_interview(session).id)
        card.ratings.append(Rating(competency_key="software_engineering", competency_name="SE", rating=4))
        session.add(card)
        session.flush()
        scorecard_id = card.id

    with pytest.raises(IntegrityError), migrated.transaction() as session:
        session.add(
            Rating(scorecard_id=scorecard_id, competency_key="collaboration", competency_name="C", rating=value)
        )
        session.flush()


def test_a_rating_in_range_is_accepted(migrated: Database) -> None:
    with migrated.transaction() as session:
        card = _scorecard(_interview(session).id)
        card.ratings.extend(Rating(competency_key=f"c{n}", competency_name=f"C{n}", rating=n) for n in (1, 2, 3, 4))
        session.add(card)
    with migrated.transaction() as session:
        assert sorted(session.scalars(sa.select(Rating.rating))) == [1, 2, 3, 4]


def test_deleting_a_candidate_cascades_in_the_database(migrated: Database) -> None:
    with migrated.transaction() as session:
        interview = _interview(session)
        session.add(_scorecard(interview.id))
        candidate_id = interview.candidate_id
    # A bulk delete bypasses the ORM's cascades: only the foreign keys' ON DELETE CASCADE acts.
    with migrated.transaction() as session:
        session.execute(sa.delete(Candidate).where(Candidate.id == candidate_id))
    with migrated.transaction() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(Interview)) == 0
        assert session.scalar(sa.select(sa.func.count()).select_from(Scorecard)) == 0


# UTCDateTime.


def test_a_naive_datetime_is_refused(migrated: Database) -> None:
    with pytest.raises(StatementError) as caught, migrated.transaction() as session:
        interview = _interview(session)
        interview.starts_at = datetime(2026, 3, 5, 9, 0)
        session.flush()
    assert isinstance(caught.value.orig, ValueError)
    assert "naive" in str(caught.value.orig)


def test_an_aware_datetime_comes_back_aware_in_utc(migrated: Database) -> None:
    tokyo = timezone(timedelta(hours=9))
    moment = datetime(2026, 3, 5, 18, 30, tzinfo=tokyo)
    with migrated.transaction() as session:
        interview = _interview(session)
        interview.starts_at = moment
        interview_id = interview.id

    with migrated.transaction() as session:
        stored = session.get(Interview, interview_id).starts_at
        raw = session.execute(sa.text("SELECT starts_at FROM interviews WHERE id = :id"), {"id": interview_id}).scalar()
    assert stored.tzinfo is not None
    assert stored.utcoffset() == timedelta(0)
    assert stored == moment
    assert (stored.hour, stored.minute) == (9, 30)
    if migrated.engine.dialect.name == "sqlite":
        # SQLite stores text without an offset: what is stored must already be UTC.
        assert str(raw).startswith("2026-03-05 09:30")


def test_aware_datetimes_compare_in_queries(migrated: Database) -> None:
    with migrated.transaction() as session:
        _interview(session)
    with migrated.transaction() as session:
        earlier = T0 + timedelta(days=3) - timedelta(minutes=1)
        later = T0 + timedelta(days=3) + timedelta(minutes=1)
        assert session.scalar(sa.select(sa.func.count()).where(Interview.starts_at > earlier)) == 1
        assert session.scalar(sa.select(sa.func.count()).where(Interview.starts_at > later)) == 0


def test_ratings_from_before_the_impression_mark_come_back_unmarked(empty_url: str) -> None:
    upgrade(empty_url)
    engine = make_engine(empty_url)
    try:
        with Database(engine).transaction() as session:
            card = _scorecard(_interview(session).id)
            card.ratings.append(Rating(competency_key="software_engineering", competency_name="SE", rating=3))
            session.add(card)
        downgrade(empty_url, "0001")
        with engine.connect() as connection:
            assert "impression" not in {c["name"] for c in sa.inspect(connection).get_columns("ratings")}
        upgrade(empty_url)
        with Database(engine).transaction() as session:
            assert session.scalars(sa.select(Rating.impression)).all() == [False]
    finally:
        engine.dispose()


def test_upgrading_a_database_with_loops_in_it_keeps_every_row(empty_url: str) -> None:
    """SQLite's batch mode rebuilds a table by dropping it; with foreign keys on, that drop
    would cascade to every interview, scorecard and rating. Each migration must keep them."""
    upgrade(empty_url, "0001")
    engine = make_engine(empty_url)
    try:
        with engine.begin() as connection:
            now = datetime(2026, 11, 2, 10, tzinfo=UTC)
            candidate = connection.execute(
                sa.text(
                    "INSERT INTO candidates (name, pack, pack_version, profile, recruiter_id, hiring_manager_id, "
                    "status, problems, created_by, created_at, updated_at) VALUES ('Ada L', 'ml-engineer', 1, "
                    "'applied', 'UREC', 'UHM', 'OPEN', '[]', 'UREC', :now, :now) RETURNING id"
                ),
                {"now": now},
            ).scalar_one()
            interview = connection.execute(
                sa.text(
                    "INSERT INTO interviews (candidate_id, stage_key, interviewer_id, starts_at, duration_minutes, "
                    "timezone, status, created_at, updated_at) "
                    "VALUES (:c, 'coding_round', 'UINT', :now, 60, 'UTC', 'SCHEDULED', :now, :now) RETURNING id"
                ),
                {"c": candidate, "now": now},
            ).scalar_one()
        upgrade(empty_url)
        with engine.connect() as connection:
            assert connection.execute(sa.text("SELECT count(*) FROM candidates")).scalar_one() == 1
            assert connection.execute(sa.text("SELECT id FROM interviews")).scalar_one() == interview
    finally:
        engine.dispose()


def test_down_to_0006_and_up_again_keeps_the_loops_without_their_import_place(empty_url: str) -> None:
    """Going down to 0006 drops an imported loop's place, not the loop; back up, it has none."""
    upgrade(empty_url)
    engine = make_engine(empty_url)
    try:
        with Database(engine).transaction() as session:
            interview = _interview(session)
            interview.candidate.import_batch, interview.candidate.import_position = "b" * 64, 3
            interview.candidate.import_total = 50
        engine.dispose()
        downgrade(empty_url, "0006")
        assert "import_position" not in {c["name"] for c in sa.inspect(engine).get_columns("candidates")}
        engine.dispose()
        upgrade(empty_url)
        with Database(engine).transaction() as session:
            [loop] = session.scalars(sa.select(Candidate)).all()
            assert (loop.name, loop.import_batch, loop.import_position, loop.import_total) == (
                "Ada Lovelace",
                None,
                None,
                None,
            )
    finally:
        engine.dispose()
