"""SQL statements per request on the paths the load benchmark drives (`make bench-load`).

Each statement is a round trip to the database while a Slack client waits for the ack, so
the counts are pinned here: a change that adds one to `/hire status`, a scorecard
submission or the *Submit scorecard* click fails this test instead of slipping into the
load figures unseen. The numbers are upper bounds (PostgreSQL batches the ratings'
inserts into one statement where SQLite sends one each)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from sqlalchemy import Engine, event

from handlers.ids import rating_block
from tests.support.loops import open_loop
from tests.support.scorecards import coding_values, interview_yesterday, open_scorecard, radio
from tests.support.slack import ack_json


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

    event.listen(engine, "before_cursor_execute", statement)
    event.listen(engine, "begin", begin)
    try:
        yield count
    finally:
        event.remove(engine, "before_cursor_execute", statement)
        event.remove(engine, "begin", begin)


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
