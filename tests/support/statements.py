"""Watching what an engine sends: its events for the length of a block, and whether each
statement (and the COMMIT) waited for its own answer or went in psycopg's pipeline."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from psycopg import pq
from sqlalchemy import Engine, event


@contextmanager
def listening(engine: Engine, **listeners: Callable[..., None]) -> Iterator[None]:
    for name, listener in listeners.items():
        event.listen(engine, name, listener)
    try:
        yield
    finally:
        for name, listener in listeners.items():
            event.remove(engine, name, listener)


def _how(conn) -> str:
    """'sent together' inside psycopg's pipeline, where the answer comes at its sync;
    'answered' otherwise (always on SQLite, which has no pipeline)."""
    pgconn = getattr(conn.connection.driver_connection, "pgconn", None)
    on = pgconn is not None and pgconn.pipeline_status != pq.PipelineStatus.OFF
    return "sent together" if on else "answered"


@contextmanager
def round_trips(engine: Engine) -> Iterator[list[str]]:
    """Each statement as sent, its first word and how ('SELECT answered', 'INSERT sent
    together'), and the COMMIT either way."""
    sent: list[str] = []

    def statement(conn, _cursor, sql, *_):
        sent.append(f"{sql.split()[0]} {_how(conn)}")

    def commit(conn):
        sent.append(f"COMMIT {_how(conn)}")

    with listening(engine, before_cursor_execute=statement, commit=commit):
        yield sent
