"""A card refresh lost with a stopped web worker is mended by the scheduler's worker, through
the same Web API calls, the way a deploy in the middle of a scorecard submission would need."""

from __future__ import annotations

import json

from bot.scheduler import MEND_JOB_ID, build_scheduler
from db.models import Candidate
from tests.support.loops import open_loop
from tests.support.scorecards import coding_values, interview_yesterday, open_scorecard
from tests.support.slack import ack_json


def card_in_slack(hirebot, candidate_id: int) -> str:
    with hirebot.services.db.transaction() as session:
        loop = session.get(Candidate, candidate_id)
        channel, ts = loop.channel_id, loop.card_ts
    [card] = [m for m in hirebot.emulator.history(channel) if m["ts"] == ts]
    return json.dumps(card, ensure_ascii=False)


def test_a_card_refresh_a_stopped_worker_dropped_is_mended_by_the_scheduler(hirebot):
    candidate = open_loop(hirebot)
    coding = interview_yesterday(hirebot, candidate, "coding_round", "priya")
    hirebot.run_background()
    view = open_scorecard(hirebot, coding, "priya")
    assert ack_json(hirebot.slack.submit(hirebot.users["priya"], view, coding_values()))["response_action"] == "update"
    hirebot.services.background.queue.clear()  # a deploy stopped the web worker before its follow-ups
    assert "scorecard in" not in card_in_slack(hirebot, candidate.id)

    scheduler = build_scheduler(hirebot.services.dispatcher, mender=hirebot.services.mender)
    mend = scheduler.get_job(MEND_JOB_ID)
    mend.func(*mend.args)  # notes the card behind
    assert "scorecard in" not in card_in_slack(hirebot, candidate.id)
    mend.func(*mend.args)  # a minute later, still behind at the same change: mended
    assert "✅ scorecard in" in card_in_slack(hirebot, candidate.id)
    edits = len(hirebot.client.all("chat.update"))
    mend.func(*mend.args)
    assert len(hirebot.client.all("chat.update")) == edits  # level now: nothing more to do
