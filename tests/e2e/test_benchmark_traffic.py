"""The load benchmark's requests (benchmarks/traffic.py) into hirebot and into the baseline Bolt
apps (benchmarks/bare_app.py): each must answer them as the benchmark's check expects, or the
benchmark would measure errors instead of work; and the storing app must store."""

from __future__ import annotations

import json
import random
import time

from slack_bolt import BoltRequest
from sqlalchemy import select

from benchmarks.bare_app import STORED, bare_bolt, storing_listener
from benchmarks.traffic import RATINGS, Load, Pacer, Seeded, check, click_body, command_body, submit_body
from db.models import AuditEvent
from tests.support.loops import open_loop
from tests.support.scorecards import interview_yesterday, open_scorecard
from tests.support.slack import SIGNING_SECRET, sign


def _answer(app, kind: str, body: str, bare: bool = False) -> str | None:
    started = time.perf_counter()
    response = app.dispatch(BoltRequest(body=body, headers=sign(body)))
    return check(kind, response.status, response.body.encode(), time.perf_counter() - started, bare)


def _one_interview(hirebot):
    """A loop with Priya's interview of yesterday, as the load's seed would have it, and its pack."""
    candidate = open_loop(hirebot)
    interview = interview_yesterday(hirebot, candidate, "coding_round", "priya")
    modal = open_scorecard(hirebot, interview, "priya")
    seeded = Seeded(
        [candidate.channel_id],
        [(interview.id, hirebot.users["priya"], "coding_round")],
        {interview.id: json.dumps(modal)},
        hirebot.users,
    )
    return candidate, interview, seeded, hirebot.services.rubrics.get("ml-engineer")


def test_hirebot_and_the_bare_app_answer_the_load_requests_as_the_benchmark_expects(hirebot, emulator):
    candidate, interview, seeded, pack = _one_interview(hirebot)
    priya = hirebot.users["priya"]
    bodies = {
        "status": command_body(hirebot.users["rita"], candidate.channel_id),
        "submit": submit_body(seeded, pack, seeded.interviews[0], random.Random(1).choice(("2", "3"))),
    }
    bare = bare_bolt(SIGNING_SECRET, "xoxb-unused", emulator.api_url)
    for kind, body in bodies.items():
        assert _answer(hirebot.slack.app, kind, body) is None, kind
        assert _answer(bare, kind, body, bare=True) is None, kind
    click = click_body(priya, interview.id, emulator.trigger_id())
    assert _answer(hirebot.slack.app, "click", click) is None
    assert _answer(bare, "click", click, bare=True) is None
    # The check is not a rubber stamp: the bare app's empty ack is not a loop status.
    assert _answer(bare, "status", bodies["status"]) == "status: not a loop status"
    assert check("submit", 200, b'{"response_action": "errors"}', 0.01) == "submit: errors"
    assert check("status", 200, b"", 3.5, bare=True) == "ack later than 3 s"


def test_the_storing_app_stores_each_submission_before_its_ack_and_answers_as_the_bare_app(hirebot, emulator):
    candidate, interview, seeded, pack = _one_interview(hirebot)
    priya = hirebot.users["priya"]
    engine = hirebot.services.db.engine
    storing = bare_bolt(SIGNING_SECRET, "xoxb-unused", emulator.api_url, store=storing_listener(engine))
    submission = submit_body(seeded, pack, seeded.interviews[0], "3")
    status = command_body(hirebot.users["rita"], candidate.channel_id)

    for _ in range(2):
        assert _answer(storing, "submit", submission, bare=True) is None
    assert _answer(storing, "status", status, bare=True) is None

    with engine.connect() as connection:
        stored = connection.execute(select(AuditEvent).where(AuditEvent.action == STORED)).all()
    assert [(row.actor_id, row.candidate_id, row.details) for row in stored] == [
        (priya, candidate.id, {"interview": interview.id})
    ] * 2  # one row per submission, none for the status


def test_the_clients_prepared_submissions_are_the_bodies_they_would_have_built(hirebot, emulator):
    _, interview, seeded, pack = _one_interview(hirebot)
    load = Load(0, seeded, emulator, pack, {"submit": 1}, Pacer(60))
    load.prepare()
    assert set(load.submissions) == {(interview.id, rating) for rating in RATINGS}
    for (_, rating), body in load.submissions.items():
        assert body == submit_body(seeded, pack, seeded.interviews[0], rating)
    picked = {load.body("submit", random.Random(n)) for n in range(20)}
    assert picked == set(load.submissions.values())  # taken from the prepared ones, both ratings
