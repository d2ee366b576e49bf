"""db/session.make_engine: errors that never quote data, and a database that cannot hold a
request for long (connect, statement and lock timeouts)."""

from __future__ import annotations

import socket
import sqlite3
import threading
import time
from collections.abc import Iterator

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, OperationalError

from db import session as db_session
from db.session import Database, make_engine
from tests.conftest import PG_URL

CANARY = "Zelda Quux fumbled the join"


def test_database_errors_never_quote_bound_parameters(database: Database) -> None:
    with pytest.raises(DBAPIError) as caught, database.engine.connect() as connection:
        connection.execute(text("SELECT name FROM no_such_table WHERE name = :name"), {"name": CANARY})
    assert "Zelda" not in str(caught.value)
    assert "hidden" in str(caught.value)


@pytest.mark.skipif(not PG_URL, reason="needs HIREBOT_TEST_DATABASE_URL (PostgreSQL)")
def test_a_runaway_statement_is_cancelled_by_postgresql() -> None:
    engine = make_engine(PG_URL, statement_timeout_ms=300)  # type: ignore[arg-type]
    started = time.monotonic()
    with pytest.raises(OperationalError, match="statement timeout"), engine.connect() as connection:
        connection.execute(text("SELECT pg_sleep(5)"))
    assert time.monotonic() - started < 2
    engine.dispose()


@pytest.fixture
def silent_server() -> Iterator[int]:
    """Accepts TCP connections and never says a word, like a database host that has hung."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.1)
        while not stop.is_set():
            try:
                held.append(listener.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield listener.getsockname()[1]
    stop.set()
    thread.join(timeout=2)
    for sock in held:
        sock.close()
    listener.close()


def test_a_silent_postgresql_host_fails_the_connect_in_seconds(
    silent_server: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(db_session, "CONNECT_TIMEOUT_SECONDS", 2)
    engine = make_engine(f"postgresql+psycopg://hirebot@127.0.0.1:{silent_server}/hirebot")
    outcome: list[BaseException] = []

    def connect() -> None:
        try:
            with engine.connect():
                pass
        except BaseException as exc:
            outcome.append(exc)

    started = time.monotonic()
    worker = threading.Thread(target=connect, daemon=True)
    worker.start()
    worker.join(timeout=10)
    assert not worker.is_alive(), "the connect was still waiting after 10 s"
    assert isinstance(outcome[0], OperationalError)
    assert time.monotonic() - started < 6


def test_sqlite_waits_a_bounded_time_for_a_lock(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(db_session, "SQLITE_BUSY_TIMEOUT_SECONDS", 1)
    path = tmp_path / "locked.db"
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("CREATE TABLE t (x INTEGER)")
    holder.execute("BEGIN IMMEDIATE")  # another writer holds the lock
    engine = make_engine(f"sqlite:///{path}")
    started = time.monotonic()
    with pytest.raises(OperationalError, match="locked"), engine.begin() as connection:
        connection.execute(text("INSERT INTO t VALUES (1)"))
    assert time.monotonic() - started < 3
    holder.close()
    engine.dispose()
