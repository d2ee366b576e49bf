"""How often a scorecard submission waits on PostgreSQL, counted on the wire.

The statement budget (test_statement_budget.py) pins what is sent; this pins how often the
ack stops for an answer, which under load is a wake-up of a database process and of the
request's thread each time. The app runs here against PostgreSQL through a relay that counts
those waits (tests/support/wire.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from db.models import Base
from db.session import Database, make_engine
from handlers.ids import rating_block
from tests.conftest import PG_URL
from tests.support.loops import open_loop
from tests.support.scorecards import coding_values, interview_yesterday, open_scorecard, radio
from tests.support.slack import ack_json
from tests.support.wire import Wire

pytestmark = pytest.mark.skipif(not PG_URL, reason="needs HIREBOT_TEST_DATABASE_URL (PostgreSQL)")


@pytest.fixture
def wire() -> Iterator[Wire]:
    with Wire(PG_URL) as relay:  # type: ignore[arg-type]
        yield relay


@pytest.fixture
def database(wire: Wire) -> Iterator[Database]:
    """The app's database, reached through the relay (this module's override of conftest's)."""
    engine = make_engine(wire.url)
    Base.metadata.drop_all(engine)
    Base.metadata.create_all(engine)
    yield Database(engine)
    engine.dispose()


def test_a_submission_waits_on_postgresql_for_begin_its_read_and_its_writes_with_the_commit(hirebot, wire):
    """BEGIN, the locked read, and everything else with the COMMIT: an edit waits 3 times, and a
    first submission once more for its scorecard's INSERT, whose new id the rest need. An
    unchanged resubmission waits for BEGIN, its read and its COMMIT."""
    candidate = open_loop(hirebot)
    coding = interview_yesterday(hirebot, candidate, "coding_round", "priya")
    hirebot.run_background()
    view = open_scorecard(hirebot, coding, "priya")

    def submit(values) -> int:
        with wire.counting() as waits:
            assert ack_json(hirebot.slack.submit(hirebot.users["priya"], view, values))["response_action"] == "update"
        hirebot.run_background()
        return waits[0]

    assert submit(coding_values()) == 4
    edit = coding_values(**{rating_block("software_engineering"): radio("2")})
    assert submit(edit) == 3
    assert submit(edit) == 3
