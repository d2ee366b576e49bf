"""`/hire status` on PostgreSQL reads a loop's card from the database once, then again only after
PostgreSQL says the loop changed (db/card_watch.py, bot/services/card_cache.py), whoever
changed it: this process, another one, or someone at a `psql` prompt."""

from __future__ import annotations

import json
import time
from collections.abc import Callable

import pytest
from sqlalchemy import text

from tests.e2e.test_statement_budget import counted
from tests.support.loops import open_loop
from tests.support.scorecards import LONDON, coding_values, interview_yesterday, open_scorecard
from tests.support.slack import ack_json


def until(check: Callable[[], bool], seconds: float = 5.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.02)
    return check()


@pytest.fixture
def watched(hirebot):
    if not hirebot.services.db.is_postgresql:
        pytest.skip("PostgreSQL's notices (on SQLite every status reads the database)")
    return hirebot


def _status(bot, channel: str) -> str:
    return json.dumps(ack_json(bot.slack.command(bot.users["rita"], "status", channel=channel)))


def _listening(bot) -> bool:
    return bot.services.loops.channel.cards.ticket() is not None


def test_status_reads_the_card_once_until_it_changes(watched):
    bot = watched
    candidate = open_loop(bot)
    coding = interview_yesterday(bot, candidate, "coding_round", "priya")
    bot.run_background()
    engine = bot.services.db.engine
    _status(bot, candidate.channel_id)  # the first card read starts listening
    assert until(lambda: _listening(bot))

    shown = _status(bot, candidate.channel_id)  # read, if the first one was not kept
    with counted(engine) as again:
        assert _status(bot, candidate.channel_id) == shown
    assert again.statements == [], again.statements
    assert "0 of 1 scorecard in" in shown

    # This process's own change is shown at once: its rows are dropped at its commit.
    view = open_scorecard(bot, coding, "priya")
    assert ack_json(bot.slack.submit(bot.users["priya"], view, coding_values()))["response_action"] == "update"
    assert "1 of 1 scorecard in" in _status(bot, candidate.channel_id)
    time.sleep(0.3)  # PostgreSQL's notice of that change comes back as well, and drops it again
    with counted(engine) as after:
        assert "1 of 1 scorecard in" in _status(bot, candidate.channel_id)
        assert "1 of 1 scorecard in" in _status(bot, candidate.channel_id)
    assert len(after.statements) <= 1, after.statements

    # Another process's change (here a bare connection) is shown once its notice has come.
    with engine.begin() as connection:
        connection.execute(
            text("UPDATE candidates SET name = 'Renamed Elsewhere' WHERE id = :id"), {"id": candidate.id}
        )
    assert until(lambda: "Renamed Elsewhere" in _status(bot, candidate.channel_id))


def test_a_lost_listener_means_fresh_reads_until_it_is_back(watched):
    bot = watched
    candidate = open_loop(bot)
    bot.run_background()
    engine = bot.services.db.engine
    _status(bot, candidate.channel_id)
    assert until(lambda: _listening(bot))
    _status(bot, candidate.channel_id)

    with engine.begin() as connection:
        cut = connection.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND query LIKE 'LISTEN hirebot_cards%'"
            )
        ).all()
    assert cut, "no listening connection found"
    assert until(lambda: not _listening(bot))
    # Changes made while nobody listens are read, not missed.
    with engine.begin() as connection:
        connection.execute(text("UPDATE candidates SET name = 'Renamed Unheard' WHERE id = :id"), {"id": candidate.id})
    assert "Renamed Unheard" in _status(bot, candidate.channel_id)
    # It listens again, and from then on keeps and drops rows as before.
    assert until(lambda: _listening(bot), seconds=10)
    with counted(engine) as read:
        _status(bot, candidate.channel_id)
        _status(bot, candidate.channel_id)
    assert len(read.statements) == 1, read.statements


def test_a_kept_card_still_follows_the_clock(watched):
    """The card built from kept rows is kept as well, but only until the clock alone would change
    it: a missing scorecard turns overdue, and the loop's day count moves on, with no row changed
    and nothing read."""
    bot = watched
    today = bot.clock().astimezone(LONDON)
    bot.clock.set(today.replace(hour=10, minute=30, second=0))
    candidate = open_loop(bot)
    interview_yesterday(bot, candidate, "coding_round", "priya")  # 10:00-11:00 yesterday: overdue at 11:00
    bot.run_background()
    engine = bot.services.db.engine
    _status(bot, candidate.channel_id)
    assert until(lambda: _listening(bot))
    _status(bot, candidate.channel_id)

    with counted(engine) as kept:
        due = _status(bot, candidate.channel_id)
        bot.clock.set(today.replace(hour=10, minute=59, second=59))
        assert _status(bot, candidate.channel_id) == due
        bot.clock.set(today.replace(hour=11, minute=0, second=0))
        overdue = _status(bot, candidate.channel_id)
        bot.clock.advance(days=1)
        next_day = _status(bot, candidate.channel_id)
    assert kept.statements == [], kept.statements
    assert "scorecard due" in due and "scorecard overdue" not in due and "Day 0 of" in due
    assert "*1 overdue*" in overdue and "scorecard overdue" in overdue and "Day 0 of" in overdue
    assert "Day 1 of" in next_day
