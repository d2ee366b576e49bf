"""Watching what an engine sends: its events for the length of a block, and whether each
statement waited for its own answer or went in psycopg's pipeline. How often the app waited
in all (BEGIN and the pipeline's sync included) is counted on the wire: tests/support/wire.py."""

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
def how_sent(engine: Engine) -> Iterator[list[str]]:
    """Each statement as sent, its first word and how: 'SELECT answered', 'INSERT sent together'."""
    sent: list[str] = []

    def statement(conn, _cursor, sql, *_):
        sent.append(f"{sql.split()[0]} {_how(conn)}")

    with listening(engine, before_cursor_execute=statement):
        yield sent
