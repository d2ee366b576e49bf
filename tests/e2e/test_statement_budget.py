"""SQL statements per request on the paths the load benchmark drives (`make bench-load`).

Each statement is a round trip to the database while a Slack client waits for the ack, so
the counts are pinned here: a change that adds one to `/hire status`, a scorecard
submission or the *Submit scorecard* click fails this test instead of slipping into the
load figures unseen. The numbers are upper bounds (PostgreSQL batches the ratings'
inserts into one statement where SQLite sends one each). On PostgreSQL each of those
statements must also keep one plan, not be planned afresh on every request."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import pytest
from sqlalchemy import Engine

from handlers.ids import rating_block
from tests.support.loops import open_loop
from tests.support.outbox_rows import older_loops
from tests.support.scorecards import coding_values, interview_yesterday, open_scorecard, radio
from tests.support.slack import ack_json
from tests.support.statements import listening


@dataclass
class Count:
    statements: list[str] = field(default_factory=list)
    transactions: int = 0


@contextmanager
def counted(engine: Engine) -> Iterator[Count]:
    count = Count()

    def statement(_conn, _cursor, sql, *_):
        count.statements.append(sql.split("\n", 1)[0])

    def begin(_conn):
        count.transactions += 1

    with listening(engine, before_cursor_execute=statement, begin=begin):
        yield count


def test_the_loads_requests_stay_within_their_statement_budget(hirebot):
    candidate = open_loop(hirebot)
    coding = interview_yesterday(hirebot, candidate, "coding_round", "priya")
    hirebot.run_background()
    engine = hirebot.services.db.engine

    with counted(engine) as status:
        reply = hirebot.slack.command(hirebot.users["rita"], "status", channel=candidate.channel_id)
    assert reply.status == 200
    assert (len(status.statements), status.transactions) == (1, 1), status.statements

    with counted(engine) as click:
        view = open_scorecard(hirebot, coding, "priya")
    assert len(click.statements) <= 2, click.statements  # the interview with its loop and scorecard; a draft
    assert click.transactions == 1

    with counted(engine) as first:
        reply = ack_json(hirebot.slack.submit(hirebot.users["priya"], view, coding_values()))
    assert reply["response_action"] == "update"
    # the locked interview (joined: loop, debrief, scorecard), the scorecard, its 2 ratings,
    # the chasers cancelled in one UPDATE, the receipt, the drafts, the audit line, the card's change
    assert len(first.statements) <= 9, first.statements
    assert first.transactions == 1
    hirebot.run_background()

    edit = coding_values(**{rating_block("software_engineering"): radio("2")})
    with counted(engine) as edited:
        reply = ack_json(hirebot.slack.submit(hirebot.users["priya"], view, edit))
    assert reply["response_action"] == "update"
    # the locked interview with its scorecard, ratings and red flags; the scorecard's own row
    # (its updated time); the changed rating; the audit line (no card change: the card shows
    # whether a scorecard is in, not what it says)
    assert len(edited.statements) <= 4, edited.statements
    assert edited.transactions == 1

    with counted(engine) as again:
        ack_json(hirebot.slack.submit(hirebot.users["priya"], view, edit))
    assert len(again.statements) == 1, again.statements  # the same form again: read, compared, nothing written


def test_the_loads_statements_each_keep_one_plan_on_postgresql(hirebot):
    """PostgreSQL plans a prepared statement for its values five times, then keeps one generic
    plan unless that one looks dearer; a statement that never gets there is planned again on
    every request, which was 70% of `/hire status`'s cost to the database until its card read
    was reshaped (tests/unit/test_card_query_plan.py). Which plan looks dearer depends on the
    data, so the workspace has history first (40 older loops and their DMs). The driver prepares
    what a connection has run five times, so after fifteen of each request every statement it
    prepared for them must have settled on a generic plan."""
    if not hirebot.services.db.is_postgresql:
        pytest.skip("PostgreSQL's plan cache (SQLite's driver keeps no prepared statements between runs)")
    older_loops(hirebot.services.db, hirebot.clock())
    candidate = open_loop(hirebot)
    coding = interview_yesterday(hirebot, candidate, "coding_round", "priya")
    hirebot.run_background()
    forms = [coding_values(), coding_values(**{rating_block("software_engineering"): radio("2")})]
    cards = hirebot.services.loops.channel.cards
    for n in range(15):
        # The card is read from the database after each change to its loop; here, every time
        # (its rows kept between changes are card_cache.py's, tests/e2e/test_card_cache.py).
        cards.changed(candidate.id)
        assert hirebot.slack.command(hirebot.users["rita"], "status", channel=candidate.channel_id).status == 200
        view = open_scorecard(hirebot, coding, "priya")
        assert ack_json(hirebot.slack.submit(hirebot.users["priya"], view, forms[n % 2]))["response_action"] == "update"
        hirebot.run_background()

    engine = hirebot.services.db.engine
    idle = [engine.raw_connection() for _ in range(engine.pool.checkedin())]
    plans: list[tuple[str, int, int]] = []
    try:
        for connection in idle:
            cursor = connection.cursor()
            cursor.execute(
                "SELECT statement, generic_plans, custom_plans FROM pg_prepared_statements WHERE NOT from_sql"
            )
            plans += cursor.fetchall()
            cursor.close()
    finally:
        for connection in idle:
            connection.close()
    settled = [statement for statement, generic, custom in plans if generic + custom > 5]
    card = [s for s in settled if s.startswith("SELECT candidates.id") and "JOIN debriefs" in s]
    assert card, plans  # the card read got there
    assert any(statement.startswith("SELECT interviews.id") for statement in settled), plans  # the locked read
    replanned = [statement for statement, generic, custom in plans if custom > 5 and generic == 0]
    assert replanned == [], replanned
