"""db/session.make_engine: errors that never quote data, and a database that cannot hold a
request for long (connect, statement and lock timeouts)."""

from __future__ import annotations

import socket
import sqlite3
import threading
import time
from collections.abc import Iterator

import pytest
from sqlalchemy import func, insert, select, text, update
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError

from bot.bootstrap import BACKGROUND_THREADS
from db import session as db_session
from db.models import AuditEvent
from db.session import Database, make_engine, record_after_commit
from tests.conftest import PG_URL
from tests.support.statements import how_sent
from tests.support.wire import Wire

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


def test_the_pool_keeps_a_connection_for_every_thread_of_a_web_worker() -> None:
    # The Procfile's gthread workers run 8 request threads, and the background runner more: a
    # checkout past the pool's size opened (and on return closed) a PostgreSQL connection.
    engine = make_engine("postgresql+psycopg://hirebot@127.0.0.1:1/hirebot")
    assert engine.pool.size() >= 8 + BACKGROUND_THREADS  # type: ignore[attr-defined]
    engine.dispose()


def _backend_pid(engine) -> int:
    with engine.connect() as connection:
        return connection.execute(text("SELECT pg_backend_pid()")).scalar_one()


def _terminate(pid: int) -> None:
    killer = make_engine(PG_URL)  # type: ignore[arg-type]
    with killer.connect() as connection:
        connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    killer.dispose()


@pytest.mark.skipif(not PG_URL, reason="needs HIREBOT_TEST_DATABASE_URL (PostgreSQL)")
def test_a_connection_that_died_while_idle_is_replaced_before_use(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(db_session, "PING_AFTER_IDLE_SECONDS", 0.0)
    engine = make_engine(PG_URL, pool_size=1, max_overflow=0)  # type: ignore[arg-type]
    dead = _backend_pid(engine)
    _terminate(dead)  # a database restart, or a firewall dropping an idle connection
    assert _backend_pid(engine) != dead  # no request failed: the pool checked, and reconnected
    engine.dispose()


@pytest.mark.skipif(not PG_URL, reason="needs HIREBOT_TEST_DATABASE_URL (PostgreSQL)")
def test_a_connection_returned_a_moment_ago_is_handed_out_without_a_round_trip(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(db_session, "PING_AFTER_IDLE_SECONDS", 60.0)
    engine = make_engine(PG_URL, pool_size=1, max_overflow=0)  # type: ignore[arg-type]
    _terminate(_backend_pid(engine))
    # Not checked (that round trip is what load paid per transaction): the statement itself
    # finds the connection gone, and the pool drops it, so the next checkout is a new one.
    with pytest.raises(OperationalError), engine.connect() as connection:
        connection.execute(text("SELECT 1"))
    assert _backend_pid(engine) > 0
    engine.dispose()


def _in_transaction(connection) -> bool:
    dbapi = connection.connection.dbapi_connection
    if hasattr(dbapi, "info"):  # psycopg
        return dbapi.info.transaction_status.name != "IDLE"
    return dbapi.in_transaction  # sqlite3


_COUNT = select(func.count()).select_from(AuditEvent)


def test_a_read_sends_its_statement_without_begin_or_commit(database: Database) -> None:
    with database.read() as reader:
        assert reader.execute(_COUNT).scalar() == 0
        assert not _in_transaction(reader._connection)  # no BEGIN went before it, so no COMMIT follows
    if database.is_postgresql:  # (sqlite3 begins only before a write)
        with database.transaction() as session:
            session.scalar(_COUNT)
            assert _in_transaction(session.connection())


def test_a_read_refuses_to_write(database: Database) -> None:
    with pytest.raises(TypeError, match="read-only"), database.read() as reader:
        reader.execute(insert(AuditEvent).values(actor_id="U1", action="test", details={}))  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="read-only"), database.read() as reader:
        reader.execute(text("DELETE FROM audit_events"))  # type: ignore[arg-type]
    with database.transaction() as session:
        assert session.scalar(_COUNT) == 0


def test_a_connection_used_for_a_read_goes_back_to_transactions(database: Database) -> None:
    """The pool hands the same connection out next: a write there must still roll back whole."""
    for _ in range(3):
        with database.read() as reader:
            reader.execute(_COUNT)
    with pytest.raises(ZeroDivisionError), database.transaction() as session:
        session.add(AuditEvent(actor_id="U1", action="test", details={}))
        session.flush()
        _ = 1 / 0
    with database.read() as reader:
        assert reader.execute(_COUNT).scalar() == 0


def test_statements_publish_what_they_recorded_only_once_committed(database: Database) -> None:
    published: list[object] = []
    database.publish = published.extend
    with database.statements() as unit:
        unit.connection.execute(insert(AuditEvent).values(actor_id="U1", action="kept", details={}))
        record_after_commit(unit, "kept")
    with pytest.raises(ZeroDivisionError), database.statements() as unit:
        unit.connection.execute(insert(AuditEvent).values(actor_id="U1", action="undone", details={}))
        record_after_commit(unit, "undone")
        _ = 1 / 0
    assert published == ["kept"]
    with database.read() as reader:
        assert reader.execute(select(AuditEvent.action)).scalars().all() == ["kept"]


_AUDIT = insert(AuditEvent).inline()  # no RETURNING: nothing reads an answer inside together()


def test_writes_sent_together_are_pipelined_on_postgresql_and_commit_whole(database: Database) -> None:
    with how_sent(database.engine) as sent:
        with database.statements() as unit:
            assert unit.connection.execute(_COUNT).scalar() == 0  # a read before: answered at once
            with unit.together():
                unit.connection.execute(_AUDIT, {"actor_id": "U1", "action": "one", "details": {}})
                unit.connection.execute(_AUDIT, [{"actor_id": "U2", "action": "two", "details": {}}] * 2)
                unit.connection.execute(update(AuditEvent).where(AuditEvent.actor_id == "U1").values(action="first"))
    together = "sent together" if database.is_postgresql else "answered"
    assert sent[1:] and all(step.endswith(together) for step in sent[1:]), sent
    assert sent[0] == "SELECT answered"
    with database.read() as reader:
        assert sorted(reader.execute(select(AuditEvent.action)).scalars()) == ["first", "two", "two"]


def test_a_write_that_fails_among_those_sent_together_rolls_the_whole_transaction_back(database: Database) -> None:
    after: list[str] = []
    with pytest.raises(IntegrityError), database.statements() as unit:
        unit.connection.execute(_AUDIT, {"actor_id": "U1", "action": "before", "details": {}})
        with unit.together():
            unit.connection.execute(_AUDIT, {"actor_id": "U1", "action": "inside", "details": {}})
            unit.connection.execute(_AUDIT, {"actor_id": "U1", "action": None, "details": {}})  # NOT NULL
        after.append("ran")  # never: on PostgreSQL the failure is raised as the block ends
    assert after == []
    with database.statements() as unit:  # the pooled connection works again
        assert unit.connection.execute(_COUNT).scalar() == 0


def _in_a_block(unit, statement) -> None:
    with unit.together():
        unit.connection.execute(statement)


def _with_the_commit(unit, statement) -> None:
    unit.together_with_commit()
    unit.connection.execute(statement)


@pytest.mark.skipif(not PG_URL, reason="needs HIREBOT_TEST_DATABASE_URL (PostgreSQL)")
@pytest.mark.parametrize("send", [_in_a_block, _with_the_commit])
def test_a_connection_lost_while_writes_are_sent_together_is_not_handed_out_again(send) -> None:
    engine = make_engine(PG_URL, pool_size=1, max_overflow=0)  # type: ignore[arg-type]
    database = Database(engine)
    lost = _backend_pid(engine)
    with pytest.raises(DBAPIError) as raised, database.statements() as unit:
        assert unit.connection.execute(text("SELECT pg_backend_pid()")).scalar_one() == lost
        _terminate(lost)
        send(unit, text("UPDATE audit_events SET action = 'x' WHERE id < 0"))
    assert raised.value.connection_invalidated
    assert _backend_pid(engine) != lost
    engine.dispose()


def _read_then_write_with_the_commit(database: Database) -> None:
    with database.statements() as unit:
        assert unit.connection.execute(_COUNT).scalar() == 0  # a read before: answered at once
        unit.together_with_commit()
        unit.connection.execute(_AUDIT, {"actor_id": "U1", "action": "one", "details": {}})
        unit.connection.execute(update(AuditEvent).where(AuditEvent.actor_id == "U1").values(action="first"))
        record_after_commit(unit, "stored")


def test_writes_sent_with_the_commit_go_in_one_pipeline_with_it(database: Database) -> None:
    published: list[object] = []
    database.publish = published.extend
    with how_sent(database.engine) as sent:
        _read_then_write_with_the_commit(database)
    together = "sent together" if database.is_postgresql else "answered"
    assert sent == ["SELECT answered", f"INSERT {together}", f"UPDATE {together}"]
    assert published == ["stored"]
    with database.read() as reader:
        assert reader.execute(select(AuditEvent.action)).scalars().all() == ["first"]
    with database.statements() as unit:  # the connection went back to the pool out of pipeline mode
        assert unit.connection.execute(_COUNT).scalar() == 1


@pytest.mark.skipif(not PG_URL, reason="needs HIREBOT_TEST_DATABASE_URL (PostgreSQL)")
def test_writes_sent_with_the_commit_wait_on_postgresql_once_with_it(database: Database) -> None:
    """On the wire: BEGIN, the read, then the writes and the COMMIT answered together. Leaving
    the pipeline syncs; a commit of its own inside it had synced first, a fourth wait."""
    if not database.is_postgresql:
        pytest.skip("psycopg's pipeline is PostgreSQL's")
    with Wire(PG_URL) as wire:  # type: ignore[arg-type]
        wired = Database(make_engine(wire.url, pool_size=1, max_overflow=0))
        try:
            with wired.statements() as unit:  # connected, and psycopg's first-use work done
                unit.connection.execute(_COUNT)
            with wire.counting() as waits:
                _read_then_write_with_the_commit(wired)
            assert waits == [3]
            with wired.read() as reader:
                assert reader.execute(select(AuditEvent.action)).scalars().all() == ["first"]
        finally:
            wired.engine.dispose()


def test_a_write_that_fails_among_those_sent_with_the_commit_commits_nothing(database: Database) -> None:
    published: list[object] = []
    database.publish = published.extend
    with pytest.raises(IntegrityError), database.statements() as unit:
        unit.connection.execute(_AUDIT, {"actor_id": "U1", "action": "before", "details": {}})
        unit.together_with_commit()
        unit.connection.execute(_AUDIT, {"actor_id": "U1", "action": "inside", "details": {}})
        unit.connection.execute(_AUDIT, {"actor_id": "U1", "action": None, "details": {}})  # NOT NULL
        record_after_commit(unit, "never published")
    assert published == []
    with database.statements() as unit:  # nothing was written, and the pooled connection works again
        assert unit.connection.execute(_COUNT).scalar() == 0


def test_an_exception_after_writes_sent_with_the_commit_rolls_them_back(database: Database) -> None:
    with pytest.raises(ZeroDivisionError), database.statements() as unit:
        unit.together_with_commit()
        unit.connection.execute(_AUDIT, {"actor_id": "U1", "action": "undone", "details": {}})
        _ = 1 / 0
    with database.read() as reader:
        assert reader.execute(_COUNT).scalar() == 0
