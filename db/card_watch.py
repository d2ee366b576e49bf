"""PostgreSQL tells every hirebot process when a loop card's data changes (LISTEN/NOTIFY).

`/hire status` is the commonest request and reads the card in one statement. Under load that
read (the round trip, the driver and SQLAlchemy around it) was most of the request's CPU, for
data that changes a few times a day per loop. So each process keeps the card rows it has read
(bot/services/card_cache.py) and forgets a loop's rows when PostgreSQL says that loop changed.

What says so is a trigger on every table the card reads, not the code that writes: a write
from any process, path or script (a migration, `psql`, the scheduler's worker) notifies. Each
notification carries the loop's id on the `hirebot_cards` channel; a TRUNCATE sends `*`, read as
"anything may have changed".
Notifications are sent at COMMIT, so a rolled-back change says nothing.

CardWatch holds one connection per process that LISTENs, outside the pool. While it is not
listening (starting, reconnecting, the triggers missing) the cache is off and every status
reads the database: a lost notice can make the card slow, never stale.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import DDL, Engine, MetaData, event, text

log = logging.getLogger(__name__)

CHANNEL = "hirebot_cards"
# The listening connection runs a query this often, so that a connection the network dropped
# without a word is found (it would otherwise wait for notices forever, the cache stale).
PING_SECONDS = 10.0
# How often the thread looks up from waiting, to see whether it was asked to stop.
WAKE_SECONDS = 1.0
RETRY_SECONDS = (0.5, 1.0, 2.0, 5.0, 10.0)

_NOTIFY = f"""
CREATE OR REPLACE FUNCTION hirebot_card_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    changed jsonb;
    loop_id text;
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        PERFORM pg_notify('{CHANNEL}', '*');
        RETURN NULL;
    END IF;
    -- The row before and after (OLD is NULL for an INSERT, NEW for a DELETE). TG_ARGV[0] names
    -- the column holding the loop's id; a scorecard's loop is its interview's.
    FOREACH changed IN ARRAY ARRAY[to_jsonb(OLD), to_jsonb(NEW)] LOOP
        CONTINUE WHEN changed IS NULL;
        loop_id := changed ->> TG_ARGV[0];
        IF TG_ARGV[0] = 'interview_id' THEN
            SELECT candidate_id::text INTO loop_id FROM interviews WHERE id = loop_id::bigint;
        END IF;
        IF loop_id IS NOT NULL THEN
            PERFORM pg_notify('{CHANNEL}', loop_id);
        END IF;
    END LOOP;
    RETURN NULL;
END $$
"""

# (table, the column with the loop's id, which row changes, WHEN) for what read_card reads.
# Scorecards: the card shows that one is in, never what it says, so an edit notifies nothing.
# Reminders: only escalations show (as "escalated").
WATCHED = (
    ("candidates", "id", "INSERT OR UPDATE OR DELETE", ""),
    ("debriefs", "candidate_id", "INSERT OR UPDATE OR DELETE", ""),
    ("interviews", "candidate_id", "INSERT OR UPDATE OR DELETE", ""),
    ("scorecards", "interview_id", "INSERT OR UPDATE OF interview_id OR DELETE", ""),
    ("reminders", "candidate_id", "INSERT OR UPDATE", "WHEN (NEW.kind = 'escalation')"),
    ("reminders", "candidate_id", "DELETE", "WHEN (OLD.kind = 'escalation')"),
)


def trigger_ddl() -> list[str]:
    """The statements that make PostgreSQL notify card changes (idempotent: run again, same result)."""
    statements = [_NOTIFY]
    for table in _tables():
        statements.append(f"DROP TRIGGER IF EXISTS hirebot_card_truncated ON {table}")
        statements.append(
            f"CREATE TRIGGER hirebot_card_truncated AFTER TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION hirebot_card_changed()"
        )
    for n, (table, column, events, when) in enumerate(WATCHED):
        name = f"hirebot_card_changed_{n}"
        statements.append(f"DROP TRIGGER IF EXISTS {name} ON {table}")
        statements.append(
            f"CREATE TRIGGER {name} AFTER {events} ON {table} FOR EACH ROW {when} "
            f"EXECUTE FUNCTION hirebot_card_changed('{column}')"
        )
    return statements


def _tables() -> list[str]:
    return list(dict.fromkeys(table for table, *_ in WATCHED))


def drop_ddl() -> list[str]:
    statements = [f"DROP TRIGGER IF EXISTS hirebot_card_changed_{n} ON {t}" for n, (t, *_) in enumerate(WATCHED)]
    statements += [f"DROP TRIGGER IF EXISTS hirebot_card_truncated ON {t}" for t in _tables()]
    return [*statements, "DROP FUNCTION IF EXISTS hirebot_card_changed()"]


def install_on_create(table_metadata: MetaData) -> None:
    """Databases made with metadata.create_all (the tests, `hirebot` on a fresh SQLite file) get
    the triggers too; migrated ones get them from migration 0016."""
    for statement in trigger_ddl():
        event.listen(table_metadata, "after_create", DDL(statement).execute_if(dialect="postgresql"))


def watched(engine: Engine) -> bool:
    """Whether this database notifies card changes: every trigger in WATCHED is there."""
    with engine.connect() as connection:
        found = connection.execute(
            text("SELECT count(*) FROM pg_trigger WHERE tgname LIKE 'hirebot_card_changed_%' AND NOT tgisinternal")
        ).scalar_one()
    return found == len(WATCHED)


class CardWatch:
    """A thread that listens for card changes on its own connection.

    on_change(loop id) for each change, on_change(None) for "anything may have changed";
    on_listening(True) once notices are sure to arrive, on_listening(False) when they may not."""

    def __init__(
        self,
        engine: Engine,
        on_change: Callable[[int | None], None],
        on_listening: Callable[[bool], None],
        *,
        ping_seconds: float = PING_SECONDS,
    ):
        self._engine = engine
        self._on_change = on_change
        self._on_listening = on_listening
        self._ping_seconds = ping_seconds
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._connection: Any = None  # the driver's connection while listening
        self._told_unwatched = False

    def start(self) -> None:
        """Idempotent, and cheap once started: called by every card read."""
        if self._thread is not None:
            return
        with self._lock:
            if self._thread is None and not self._stop.is_set():
                self._thread = threading.Thread(target=self._run, name="hirebot-card-watch", daemon=True)
                self._thread.start()

    def stop(self, wait: bool = True) -> None:
        """The thread stops within WAKE_SECONDS and closes its connection; `wait` for that."""
        self._stop.set()
        if wait and self._thread is not None:
            self._thread.join(timeout=WAKE_SECONDS + 5)

    def _run(self) -> None:
        failures = 0
        while not self._stop.is_set():
            try:
                self._listen()
                failures = 0
            except Exception as error:  # any failure means: not listening; try again
                if not self._stop.is_set():
                    log.warning("card change notices lost (%s); cards read from the database", type(error).__name__)
                failures += 1
            finally:
                # Whatever ended the listening (a failure, stop()), nothing is served from memory.
                self._on_listening(False)
                self._close()
            self._stop.wait(RETRY_SECONDS[min(failures, len(RETRY_SECONDS) - 1)])

    def _listen(self) -> None:
        if not watched(self._engine):
            if not self._told_unwatched:
                log.warning("the database has no card triggers (run `hirebot migrate`); status reads it every time")
                self._told_unwatched = True
            self._stop.wait(60)
            return
        pooled = self._engine.raw_connection()
        driver = pooled.driver_connection
        pooled.detach()  # the pool neither counts nor recycles it
        if driver is None:
            raise RuntimeError("no driver connection")
        self._connection = driver
        driver.autocommit = True
        driver.execute(f"LISTEN {CHANNEL}")
        # From here every change is heard; what changed before is dropped by on_listening.
        self._on_listening(True)
        pinged = time.monotonic()
        while not self._stop.is_set():
            for notice in driver.notifies(timeout=WAKE_SECONDS):
                self._on_change(_loop_id(notice.payload))
            if time.monotonic() - pinged >= self._ping_seconds:
                driver.execute("SELECT 1")
                pinged = time.monotonic()

    def _close(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            try:
                connection.close()
            except Exception:  # already gone
                pass


def _loop_id(payload: str) -> int | None:
    """A notice's loop id; None (anything may have changed) for `*` or anything else sent here."""
    return int(payload) if payload.isdigit() else None
