"""The cursor make_engine gives PostgreSQL connections (db/cursor.py): a result's columns are
built only when read, and what is read is psycopg's own description."""

from __future__ import annotations

import pytest
from sqlalchemy import Column as TableColumn
from sqlalchemy import Integer, MetaData, String, Table, insert, select, text

import db.cursor
from db.cursor import Cursor, LazyDescription
from db.session import make_engine
from tests.conftest import PG_URL

pytestmark = pytest.mark.skipif(not PG_URL, reason="needs HIREBOT_TEST_DATABASE_URL (PostgreSQL)")

QUERY = "SELECT 1 AS one, 'two'::text AS two, now() AS three"


@pytest.fixture
def engine():
    engine = make_engine(PG_URL)  # type: ignore[arg-type]
    yield engine
    engine.dispose()


def test_description_is_psycopgs_own(engine) -> None:
    with engine.connect() as connection:
        cursor = connection.connection.driver_connection.cursor()
        assert isinstance(cursor, Cursor)
        cursor.execute(QUERY)
        lazy = cursor.description
        assert isinstance(lazy, LazyDescription)
        eager = [tuple(c) for c in super(Cursor, cursor).description]  # psycopg's property
        assert len(lazy) == 3
        assert [tuple(c) for c in lazy] == eager
        assert [c.name for c in lazy] == ["one", "two", "three"]
        assert lazy[1].name == "two" and [c.name for c in lazy[1:]] == ["two", "three"]
        cursor.execute("SELECT")  # rows of no columns: still a description, as psycopg says
        assert cursor.description is not None and len(cursor.description) == 0


def test_no_description_without_rows(engine) -> None:
    with engine.begin() as connection:
        cursor = connection.connection.driver_connection.cursor()
        cursor.execute("CREATE TEMPORARY TABLE t (n integer)")
        assert cursor.description is None
        cursor.execute("INSERT INTO t VALUES (1)")
        assert cursor.description is None


def test_a_description_read_after_the_cursor_moved_on_is_refused(engine) -> None:
    with engine.connect() as connection:
        cursor = connection.connection.driver_connection.cursor()
        cursor.execute(QUERY)
        stale = cursor.description
        cursor.execute("SELECT 1 AS other")
        with pytest.raises(RuntimeError, match="moved on"):
            list(stale)  # type: ignore[arg-type]


def test_sqlalchemy_reads_rows_by_name_and_builds_no_columns_once_it_knows_the_statement(engine, monkeypatch) -> None:
    """The first run of a statement reads the columns (SQLAlchemy keeps them); later runs build none."""
    built: list[int] = []
    psycopg_column = db.cursor.Column
    monkeypatch.setattr(db.cursor, "Column", lambda cursor, i: built.append(i) or psycopg_column(cursor, i))
    metadata = MetaData()
    people = Table("cursor_people", metadata, TableColumn("id", Integer, primary_key=True), TableColumn("name", String))
    query = select(people.c.id, people.c.name).order_by(people.c.id)
    with engine.begin() as connection:
        metadata.create_all(connection)
        try:
            connection.execute(insert(people), [{"id": 1, "name": "Ada"}, {"id": 2, "name": "Grace"}])
            built.clear()  # creating the table read the catalogue
            first = connection.execute(query).all()
            assert built == [0, 1]
            again = connection.execute(query).all()
            assert built == [0, 1]  # nothing built for the second run
            assert [(r.id, r.name) for r in first] == [(r.id, r.name) for r in again] == [(1, "Ada"), (2, "Grace")]
            # A textual query is compiled afresh each time: its columns are read, and right.
            row = connection.execute(text(QUERY)).one()
            assert (row.one, row.two) == (1, "two")
        finally:
            metadata.drop_all(connection)
