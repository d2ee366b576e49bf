"""Engines and sessions. Services open one session per request or job and own its transaction."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

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


def make_engine(url: str, *, statement_timeout_ms: int = STATEMENT_TIMEOUT_MS, **kwargs: object) -> Engine:
    """An engine whose errors never quote bound parameters (hide_parameters): those are
    candidate names and scorecard evidence, and errors end up in logs."""
    kwargs.setdefault("hide_parameters", True)
    if url.startswith("sqlite"):
        connect_args: dict[str, object] = {"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_SECONDS}
        engine = create_engine(url, connect_args=connect_args, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    connect_args = {"connect_timeout": CONNECT_TIMEOUT_SECONDS, "tcp_user_timeout": TCP_USER_TIMEOUT_MS}
    if statement_timeout_ms:
        connect_args["options"] = f"-c statement_timeout={int(statement_timeout_ms)}"
    if kwargs.get("poolclass") is None:
        kwargs.setdefault("pool_timeout", POOL_TIMEOUT_SECONDS)
    return create_engine(url, pool_pre_ping=True, connect_args=connect_args, **kwargs)


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    # SQLite ignores foreign keys unless asked, and cascades are part of our data rules.
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


class Database:
    """The session factory handed to services. `with db.transaction() as s:` commits or rolls back."""

    def __init__(self, engine: Engine):
        self.engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        with self._sessions() as session, session.begin():
            yield session

    @property
    def is_postgresql(self) -> bool:
        return self.engine.dialect.name == "postgresql"
