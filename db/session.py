"""Engines and sessions. Services open one session per request or job and own its transaction."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, CursorResult, Engine, Select, create_engine, event, exc
from sqlalchemy.orm import Session, sessionmaker

from db.cursor import Cursor

# A database that stops answering must not hold a request (or a worker thread) for minutes.
CONNECT_TIMEOUT_SECONDS = 5
# Per statement, PostgreSQL side. hirebot's statements take milliseconds; a lock wait or a
# runaway query is cut off here. Migrations run without it (statement_timeout_ms=0).
STATEMENT_TIMEOUT_MS = 10_000
# Unacknowledged writes to a silent PostgreSQL host drop the connection after this (Linux).
TCP_USER_TIMEOUT_MS = 10_000
# How long SQLite waits for another writer's lock before "database is locked".
SQLITE_BUSY_TIMEOUT_SECONDS = 5
# How long a request waits for a free connection from the pool.
POOL_TIMEOUT_SECONDS = 10
# Connections kept open per process. A web worker runs 8 request threads (the Procfile's
# gthread) and 5 background threads (bot/bootstrap.py), each holding at most one connection
# at a time, and the outbox's senders a few more: with fewer kept, every checkout past the
# pool's size opened a new PostgreSQL connection and closed it again on return (a backend
# started per request under load). Connections are opened as needed, not up front.
POOL_SIZE = 13
MAX_OVERFLOW = 8
# A pooled connection idle for longer than this is checked (one round trip) before it is
# handed out, so a database restart or a dropped idle connection costs no request. One
# returned a moment ago is not: under load that check was a round trip per transaction. A
# connection that died in between fails its statement as a disconnect, which makes the pool
# discard every connection as old as it.
PING_AFTER_IDLE_SECONDS = 5.0


def make_engine(url: str, *, statement_timeout_ms: int = STATEMENT_TIMEOUT_MS, **kwargs: object) -> Engine:
    """An engine whose errors never quote bound parameters (hide_parameters): those are
    candidate names and scorecard evidence, and errors end up in logs."""
    kwargs.setdefault("hide_parameters", True)
    if url.startswith("sqlite"):
        connect_args: dict[str, object] = {"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_SECONDS}
        engine = create_engine(url, connect_args=connect_args, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    connect_args = {
        "connect_timeout": CONNECT_TIMEOUT_SECONDS,
        "tcp_user_timeout": TCP_USER_TIMEOUT_MS,
        "cursor_factory": Cursor,  # descriptions built only when read (db/cursor.py)
    }
    if statement_timeout_ms:
        connect_args["options"] = f"-c statement_timeout={int(statement_timeout_ms)}"
    if kwargs.get("poolclass") is None:
        kwargs.setdefault("pool_timeout", POOL_TIMEOUT_SECONDS)
        kwargs.setdefault("pool_size", POOL_SIZE)
        kwargs.setdefault("max_overflow", MAX_OVERFLOW)
    engine = create_engine(url, connect_args=connect_args, **kwargs)
    event.listen(engine.pool, "checkin", _returned)
    event.listen(engine.pool, "checkout", _ping_if_idle)
    return engine


_IDLE_SINCE = "hirebot.idle_since"


def _returned(_dbapi_connection, record) -> None:
    if record is not None:
        record.info[_IDLE_SINCE] = time.monotonic()


def _ping_if_idle(dbapi_connection, record, _proxy) -> None:
    """pool_pre_ping, for connections idle past PING_AFTER_IDLE_SECONDS only (a fresh one has none)."""
    since = record.info.get(_IDLE_SINCE)
    if since is None or time.monotonic() - since <= PING_AFTER_IDLE_SECONDS:
        return
    try:
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("SELECT 1")
        finally:
            cursor.close()
        # The ping opened a transaction (the driver is not in autocommit): end it.
        dbapi_connection.rollback()
    except Exception as error:
        # The pool discards this connection and checks out another (a new one if need be).
        raise exc.DisconnectionError("pooled connection failed its liveness check") from error


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    # SQLite ignores foreign keys unless asked, and cascades are part of our data rules.
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


# Where a transaction keeps what it recorded for after the commit (see bot/events.py).
_AFTER_COMMIT = "hirebot.after_commit"


@dataclass
class Statements:
    """A transaction on one Core connection (Database.statements()), for code that writes with
    statements built once. `info` holds what it recorded for after the commit, as a Session's does."""

    connection: Connection
    info: dict[str, Any] = field(default_factory=dict)
    # What closes the together() that together_with_commit() left open: leaving it sends the
    # queued COMMIT with the writes.
    _until_commit: ExitStack = field(default_factory=ExitStack)
    _commit_sent_together: bool = False

    def together_with_commit(self) -> None:
        """Every statement from here to the end of the transaction, and its COMMIT, sent
        together: on PostgreSQL one round trip for the writes and the COMMIT. The same rules as
        together(): only statements whose answer nobody reads. A failure among them is raised
        as the transaction ends; the COMMIT behind it is then never run, and the transaction
        rolls back."""
        if not self._commit_sent_together:
            self._until_commit.enter_context(self.together())
            self._commit_sent_together = True

    def _queue_commit(self) -> None:
        """The COMMIT of together_with_commit(), queued behind the writes in psycopg's pipeline:
        leaving the pipeline sends them all with one Sync and waits once for every answer.
        (`connection.commit()` there would sync on its own, and leaving the pipeline would then
        sync again: two waits where one will do.) SQLAlchemy's own commit, when engine.begin()
        ends, then finds the transaction over and sends nothing. Elsewhere (SQLite, no
        pipeline) engine.begin() commits as usual."""
        driver = self._pipeline_driver()
        if driver is not None:
            driver.execute("COMMIT")

    def _pipeline_driver(self) -> Any | None:
        """The psycopg connection, where the statements can go in its pipeline; None elsewhere."""
        driver = self.connection.connection.driver_connection
        if driver is None or self.connection.dialect.name != "postgresql" or not hasattr(driver, "pipeline"):
            return None
        return driver

    @contextmanager
    def together(self) -> Iterator[None]:
        """Writes sent together: on PostgreSQL, the statements executed in this block go out
        without waiting for one another's answers (psycopg's pipeline mode) and are answered
        in one round trip when it ends; elsewhere they run one by one as usual.

        Only for statements whose answer nobody reads: UPDATE, DELETE, and INSERT built with
        `.inline()` (a plain single-row INSERT asks for its new id back). A failure among them
        is raised when the block ends, still inside the transaction, which then rolls back:
        nothing after the block runs and nothing is half-written."""
        driver = self._pipeline_driver()
        if driver is None:
            yield
            return
        dialect = self.connection.dialect
        dbapi_error = dialect.loaded_dbapi.Error
        try:
            with driver.pipeline():
                yield
        except dbapi_error as error:
            # Raised by the pipeline's sync, outside SQLAlchemy's execute: wrapped as SQLAlchemy
            # wraps any driver error (callers catch IntegrityError and OperationalError), and a
            # dropped connection is invalidated so that the pool does not hand it out again.
            lost = dialect.is_disconnect(error, driver, None)
            if lost:
                self.connection.invalidate(error)
            raise exc.DBAPIError.instance(
                None, None, error, dbapi_error, hide_parameters=True, connection_invalidated=lost, dialect=dialect
            ) from error


class Reader:
    """One read-only SELECT, sent without BEGIN and COMMIT (Database.read())."""

    def __init__(self, connection: Connection):
        self._connection = connection

    def execute(self, statement: Select[Any], parameters: dict[str, Any] | None = None) -> CursorResult[Any]:
        if not isinstance(statement, Select):
            raise TypeError("Database.read() is for one read-only statement; write in Database.transaction()")
        return self._connection.execute(statement, parameters)


def record_after_commit(unit: Session | Statements, item: object) -> None:
    unit.info.setdefault(_AFTER_COMMIT, []).append(item)


class Database:
    """The session factory handed to services. `with db.transaction() as s:` commits or rolls back.

    What a transaction recorded (`record_after_commit`) goes to `publish` once it has
    committed; a rollback drops it with the changes it described. `before_commit` sees it
    first, inside the transaction, to write what must commit with it."""

    def __init__(self, engine: Engine):
        self.engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        self._reads = engine.execution_options(isolation_level="AUTOCOMMIT")
        self.publish: Callable[[Sequence[object]], None] | None = None
        self.before_commit: Callable[[Session | Connection, Sequence[object]], None] | None = None

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        with self._sessions() as session:
            with session.begin():
                yield session
                self._before_commit(session, session.info)
            recorded = session.info.pop(_AFTER_COMMIT, [])
        self._published(recorded)

    @contextmanager
    def statements(self) -> Iterator[Statements]:
        """A transaction without the ORM, for the busiest write (a scorecard submission,
        scorecard_rows.py): the Session's set-up, begin, commit and close around statements
        that load no objects were a third of that write's own CPU under load."""
        with self.engine.begin() as connection:
            unit = Statements(connection)
            with unit._until_commit:
                yield unit
                self._before_commit(connection, unit.info)
                if unit._commit_sent_together:
                    unit._queue_commit()
        self._published(unit.info.pop(_AFTER_COMMIT, []))

    def _before_commit(self, executor: Session | Connection, info: dict[str, Any]) -> None:
        recorded = info.get(_AFTER_COMMIT)
        if recorded and self.before_commit is not None:
            self.before_commit(executor, recorded)

    def _published(self, recorded: list[object]) -> None:
        if recorded and self.publish is not None:
            self.publish(recorded)

    @contextmanager
    def read(self) -> Iterator[Reader]:
        """ONE read-only SELECT, sent without BEGIN and COMMIT: on PostgreSQL those are a
        round trip each, two of the three a one-query read (`/hire status`) paid. A Core
        connection, not a Session: under load, the Session's set-up and close cost half as
        much CPU again as the statement itself.

        A single statement sees one snapshot whatever the mode, so this reads exactly what a
        transaction would. Two statements here would each see their own snapshot: anything
        that reads more than once, or writes, uses `transaction()`. Only a SELECT is accepted."""
        with self._reads.connect() as connection:
            yield Reader(connection)

    @property
    def is_postgresql(self) -> bool:
        return self.engine.dialect.name == "postgresql"
