"""bot/logsafety: Bolt's lines keep their news and lose any body they quote; no line quotes the data
a database refused."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import psycopg
import pytest
from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError

from bot.config import LogSettings
from bot.logs import configure_logging
from bot.logsafety import DATA_WITHHELD, WITHHELD, quiet_bolt_logger
from db.base import Base
from db.models import AuditEvent
from db.session import Database, make_engine
from handlers.workspace import same_workspace
from tests.conftest import PG_URL

# Logging reads its level and format from the environment (and a .env in the working folder).
pytestmark = pytest.mark.usefixtures("no_log_env")


BODY = '{"view": {"state": {"values": {"notes": "Zelda Quux fumbled the join"}}}}'


@pytest.mark.parametrize(
    "line",
    [
        f"Invalid request signature detected (signature: v0=abc, timestamp: 1, body: {BODY})",
        f"Unhandled request ({BODY})",
        f"A global middleware (x) skipped calling either `next()` or `next_()` without providing a response for the request ({BODY})",  # noqa: E501
        f"Request body: {BODY}",
    ],
)
def test_a_quoted_body_is_cut_off(line: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    quiet_bolt_logger().warning(line)
    (record,) = caplog.records
    assert "Zelda" not in record.getMessage()
    assert record.getMessage().endswith(WITHHELD)


def test_bolts_debug_lines_are_never_written(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    quiet_bolt_logger().debug(f'Responding with status: 200 body: "{BODY}" (3 millis)')
    assert caplog.records == []


def test_an_ordinary_line_is_left_alone(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    quiet_bolt_logger().error("Failed to authorize with the given token")
    assert caplog.records[0].getMessage() == "Failed to authorize with the given token"


@pytest.mark.parametrize(
    ("expected", "request_ids", "served"),
    [
        (("T1", None), ("T1", None), True),
        (("T1", None), ("T2", None), False),
        (("T1", None), (None, None), False),
        (("T1", None), ("T1", "E9"), False),  # our team id, but inside someone's org
        (("T1", "E1"), ("T7", "E1"), True),  # another workspace of our org (org-wide install)
        (("T1", "E1"), ("T1", "E2"), False),
        (("T1", "E1"), ("T1", None), True),
    ],
)
def test_which_workspaces_are_ours(
    expected: tuple[str, str | None], request_ids: tuple[str | None, str | None], served: bool
) -> None:
    assert same_workspace(*expected, *request_ids) is served


# What PostgreSQL quotes of the data it refused never reaches a line (WithholdDatabaseDetail).

_REFUSED = (
    'new row for relation "scorecards" violates check constraint "ck_notes"\n'
    "DETAIL:  Failing row contains (7, U1, Zelda Quux fumbled the join)."
)


def _written(capsys: pytest.CaptureFixture[str]) -> str:
    out, err = capsys.readouterr()
    return out + err


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_a_database_errors_quoted_row_is_withheld_from_a_traceback(fmt: str, capsys) -> None:
    configure_logging(settings=LogSettings(HIREBOT_LOG_FORMAT=fmt))
    try:
        raise psycopg.errors.CheckViolation(_REFUSED)
    except psycopg.Error:
        logging.getLogger("bot.example").exception("storing the scorecard failed")
    written = _written(capsys)
    assert "Zelda" not in written
    assert "violates check constraint" in written and "CheckViolation" in written
    assert DATA_WITHHELD in written
    assert "storing the scorecard failed" in written


def test_a_database_errors_quoted_row_is_withheld_from_a_message(capsys) -> None:
    configure_logging()
    logging.getLogger("psycopg").warning("error ignored terminating %r: %s", "<Pipeline>", _REFUSED)
    logging.getLogger("bot.example").info("retry failed: %s", 'invalid input syntax for type integer: "Zelda"')
    written = _written(capsys)
    assert "Zelda" not in written
    assert written.count(DATA_WITHHELD) == 2
    assert "invalid input syntax for type integer" in written


def test_a_line_without_database_detail_is_written_as_it_came(capsys) -> None:
    configure_logging()
    try:
        raise ValueError('bad rating "5"')
    except ValueError:
        logging.getLogger("bot.example").exception("details: %s", "kept")
    written = _written(capsys)
    assert "details: kept" in written and 'ValueError: bad rating "5"' in written
    assert DATA_WITHHELD not in written


def test_a_line_whose_arguments_do_not_fit_still_reaches_the_handler(capsys) -> None:
    configure_logging()
    logging.getLogger("bot.example").info("two %s %s", "one")  # logging reports it; no exception here
    assert "two %s %s" in _written(capsys)


_AUDIT = insert(AuditEvent).inline()


# A write PostgreSQL refuses (NOT NULL), whose row holds candidate data.
_REFUSED_ROW = {"actor_id": "U1", "action": None, "details": {"note": "Zelda Quux fumbled the join"}}


@pytest.fixture
def pg_database() -> Iterator[Database]:
    if not PG_URL:
        pytest.skip("needs HIREBOT_TEST_DATABASE_URL (PostgreSQL)")
    engine = make_engine(PG_URL)
    Base.metadata.drop_all(engine)
    Base.metadata.create_all(engine)
    configure_logging()
    yield Database(engine)
    engine.dispose()


def test_a_pipelined_write_refused_while_the_block_fails_logs_no_candidate_data(pg_database, capsys) -> None:
    """psycopg logs the refused write itself (its text holds the whole row) when the pipelined
    block is already leaving on another exception."""
    database, row = pg_database, _REFUSED_ROW
    with pytest.raises(RuntimeError), database.statements() as unit, unit.together():
        unit.connection.execute(_AUDIT, row)
        raise RuntimeError("the block failed first")
    try:
        with database.statements() as unit, unit.together():
            unit.connection.execute(_AUDIT, row)
    except IntegrityError:
        logging.getLogger("bot.example").exception("storing failed")
    written = _written(capsys)
    assert "error ignored" in written  # psycopg's own line was written, and the traceback
    assert "null value in column" in written and "storing failed" in written
    assert "Zelda" not in written


def test_a_write_refused_with_the_commit_sent_together_logs_no_candidate_data(pg_database, capsys) -> None:
    database, row = pg_database, _REFUSED_ROW
    for leaving in (None, RuntimeError("the block failed first")):
        try:
            with database.statements() as unit:
                unit.together_with_commit()
                unit.connection.execute(_AUDIT, row)
                if leaving is not None:
                    raise leaving
        except (IntegrityError, RuntimeError):
            logging.getLogger("bot.example").exception("storing failed")
    written = _written(capsys)
    assert "null value in column" in written and "storing failed" in written
    assert "Zelda" not in written
