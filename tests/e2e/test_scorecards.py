"""Scorecards end to end: the stage's modal, inline validation, exactly-once submission,
drafts, receipts without content, blind panel feedback, and refusals."""

from __future__ import annotations

import json
import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from db.models import AuditEvent, Rating, Reminder, ReminderKind, ReminderStatus, Scorecard, ScorecardDraft
from handlers.ids import Action, Block, Callback, element_id, evidence_block, flag_evidence_block, rating_block
from tests.support.loops import open_loop
from tests.support.scorecards import checks, coding_values, interview_yesterday, open_scorecard, radio
from tests.support.slack import ack_json, form_values, text


@pytest.fixture
def loop(hirebot):
    candidate = open_loop(hirebot)
    coding = interview_yesterday(hirebot, candidate, "coding_round", "priya")
    design = interview_yesterday(hirebot, candidate, "ml_system_design", "omar")
    return candidate, coding, design


def _block_ids(view: dict) -> list[str]:
    return [b.get("block_id", "") for b in view["blocks"]]


def test_each_stage_gets_its_own_scorecard_modal(hirebot, loop):
    _, coding, design = loop
    coding_view = open_scorecard(hirebot, coding, "priya")
    design_view = open_scorecard(hirebot, design, "omar")
    assert coding_view["callback_id"] == design_view["callback_id"] == Callback.SCORECARD
    assert coding_view["notify_on_close"] is True
    pack = hirebot.services.rubrics.get("ml-engineer")
    for view, stage in ((coding_view, "coding_round"), (design_view, "ml_system_design")):
        ids = _block_ids(view)
        for competency in pack.stage(stage).competencies:
            assert rating_block(competency) in ids and evidence_block(competency) in ids
        flags = next(b for b in view["blocks"] if b.get("block_id") == Block.RED_FLAGS)["element"]["options"]
        assert [o["value"] for o in flags] == pack.stage(stage).red_flags
        assert pack.stage(stage).focus_questions[0][:40] in json.dumps(view)
        rec = next(b for b in view["blocks"] if b.get("block_id") == Block.RECOMMENDATION)["element"]["options"]
        assert [o["text"]["text"] for o in rec] == ["Strong No", "No", "Yes", "Strong Yes"]
    assert _block_ids(coding_view) != _block_ids(design_view)


def test_rating_options_show_their_anchors(hirebot, loop):
    _, coding, _ = loop
    view = open_scorecard(hirebot, coding, "priya")
    block = next(b for b in view["blocks"] if b.get("block_id") == rating_block("software_engineering"))
    anchors = hirebot.services.rubrics.get("ml-engineer").competency("software_engineering").anchors
    assert [o["description"]["text"] for o in block["element"]["options"]] == [anchors[n] for n in (1, 2, 3, 4)]


def test_invalid_submissions_are_answered_beside_the_right_fields(hirebot, loop):
    _, coding, _ = loop
    view = open_scorecard(hirebot, coding, "priya")
    values = coding_values(
        **{
            rating_block("software_engineering"): radio(None),  # missing rating
            evidence_block("data_pipelines"): text(""),  # a 4 without evidence
            Block.RED_FLAGS: checks("framework_dependent"),  # a flag without evidence
            Block.RECOMMENDATION: radio(None),
            Block.NOTES: text("x" * 3001),
        }
    )
    reply = ack_json(hirebot.slack.submit(hirebot.users["priya"], view, values))
    assert reply["response_action"] == "errors"
    assert set(reply["errors"]) == {
        rating_block("software_engineering"),
        evidence_block("data_pipelines"),
        Block.RED_FLAGS,  # the flag's evidence box is not in this modal yet
        Block.RECOMMENDATION,
        Block.NOTES,
    }
    with hirebot.services.db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(Scorecard)) == 0


def test_a_valid_scorecard_is_stored_with_its_rubric_version_and_chasers_cancelled(hirebot, loop):
    candidate, coding, _ = loop
    view = open_scorecard(hirebot, coding, "priya")
    values = coding_values(
        **{
            Block.RED_FLAGS: checks("framework_dependent"),
            flag_evidence_block("framework_dependent"): text("Could not explain the training loop."),
        }
    )
    reply = ack_json(hirebot.slack.submit(hirebot.users["priya"], view, values))
    assert reply["response_action"] == "update"
    assert Action.VIEW_PANEL in json.dumps(reply["view"])
    with hirebot.services.db.transaction() as session:
        card = session.scalars(select(Scorecard).where(Scorecard.interview_id == coding.id)).one()
        assert (card.pack, card.pack_version, card.recommendation) == ("ml-engineer", 1, "yes")
        assert {(r.competency_key, r.rating) for r in card.ratings} == {
            ("software_engineering", 3),
            ("data_pipelines", 4),
        }
        assert [(f.flag_key, f.evidence) for f in card.red_flags] == [
            ("framework_dependent", "Could not explain the training loop.")
        ]
        pending = session.scalars(
            select(Reminder.kind).where(Reminder.interview_id == coding.id, Reminder.status == ReminderStatus.PENDING)
        ).all()
        assert ReminderKind.CHASER not in pending and ReminderKind.SCORECARD_DUE not in pending


def test_the_same_submission_dispatched_twice_at_once_is_stored_once(hirebot, loop):
    candidate, coding, _ = loop
    view = open_scorecard(hirebot, coding, "priya")
    values = coding_values()
    barrier = threading.Barrier(2)
    replies = []

    def send() -> None:
        barrier.wait()
        replies.append(hirebot.slack.submit(hirebot.users["priya"], view, values))

    threads = [threading.Thread(target=send) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert [r.status for r in replies] == [200, 200]
    hirebot.run_background()
    with hirebot.services.db.transaction() as session:
        assert (
            session.scalar(select(func.count()).select_from(Scorecard).where(Scorecard.interview_id == coding.id)) == 1
        )
        assert session.scalar(select(func.count()).select_from(Rating)) == 2
    receipts = [
        m
        for m in hirebot.client.all("chat.postMessage")
        if m["channel"] == candidate.channel_id and "submitted" in m["text"]
    ]
    assert len(receipts) == 1


def test_the_receipt_says_who_and_which_stage_and_nothing_else(hirebot, loop):
    candidate, coding, _ = loop
    view = open_scorecard(hirebot, coding, "priya")
    hirebot.slack.submit(hirebot.users["priya"], view, coding_values())
    hirebot.run_background()
    receipt = [m for m in hirebot.emulator.history(candidate.channel_id) if "submitted" in m.get("text", "")]
    assert [m["text"] for m in receipt] == [f"✅ <@{hirebot.users['priya']}> submitted the Coding round scorecard"]
    channel_text = json.dumps(hirebot.emulator.history(candidate.channel_id))
    for secret in ("Clean, tested solution", "leakage in the join", "Private aside", "Meets the bar", '"yes"'):
        assert secret not in channel_text


def test_a_closed_modal_keeps_a_draft_that_is_restored_on_reopen(hirebot, loop):
    _, coding, _ = loop
    view = open_scorecard(hirebot, coding, "priya")
    partial = form_values(
        **{
            rating_block("software_engineering"): radio("2"),
            evidence_block("software_engineering"): text("Half-finished thought about tests"),
            Block.RED_FLAGS: checks(),
            Block.RECOMMENDATION: radio(None),
            Block.NOTES: text(""),
        }
    )
    assert hirebot.slack.close(hirebot.users["priya"], view, partial).status == 200
    with hirebot.services.db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(ScorecardDraft)) == 1
    reopened = open_scorecard(hirebot, coding, "priya")
    rating = next(b for b in reopened["blocks"] if b.get("block_id") == rating_block("software_engineering"))
    evidence = next(b for b in reopened["blocks"] if b.get("block_id") == evidence_block("software_engineering"))
    assert rating["element"]["initial_option"]["value"] == "2"
    assert evidence["element"]["initial_value"] == "Half-finished thought about tests"


def test_ticking_a_red_flag_adds_its_evidence_box_with_the_view_hash(hirebot, loop):
    _, coding, _ = loop
    view = open_scorecard(hirebot, coding, "priya")
    view["state"] = {"values": form_values(**{Block.RED_FLAGS: checks("framework_dependent")})}
    hirebot.slack.click(hirebot.users["priya"], element_id(Block.RED_FLAGS), view=view)
    args, response = hirebot.client.last("views.update")
    assert response["ok"] is True and args["hash"] == view["hash"] and args["view_id"] == view["id"]
    assert flag_evidence_block("framework_dependent") in _block_ids(args["view"])


def test_panel_feedback_is_blind_until_your_own_scorecard_is_in(hirebot, loop):
    candidate, coding, design = loop
    # Priya submits; Omar has not.
    view = open_scorecard(hirebot, coding, "priya")
    hirebot.slack.submit(hirebot.users["priya"], view, coding_values())

    hirebot.slack.click(hirebot.users["omar"], Action.VIEW_PANEL, str(candidate.id), channel="D0OMAR")
    refused = hirebot.slack.opened_view()
    assert "stays blind" in json.dumps(refused) and "Clean, tested" not in json.dumps(refused)

    hirebot.slack.click(hirebot.users["priya"], Action.VIEW_PANEL, str(candidate.id), channel="D0PRIYA")
    shown = json.dumps(hirebot.slack.opened_view())
    assert "Clean, tested solution" in shown and "1 of 2 scorecards" in shown

    # The hiring manager sees everything at any time.
    hirebot.slack.click(hirebot.users["hank"], Action.VIEW_PANEL, str(candidate.id), channel="D0HANK")
    assert "Clean, tested solution" in json.dumps(hirebot.slack.opened_view())


def test_someone_who_is_not_the_interviewer_is_refused_and_it_is_logged(hirebot, loop, caplog):
    _, coding, _ = loop
    view = open_scorecard(hirebot, coding, "priya")
    opened = len(hirebot.client.all("views.open"))
    hirebot.slack.click(hirebot.users["nora"], Action.OPEN_SCORECARD, str(coding.id), channel="D0NORA")
    assert len(hirebot.client.all("views.open")) == opened  # the refusal is said, no modal opens
    told = hirebot.client.all("chat.postMessage")[-1]
    assert told["channel"] == hirebot.users["nora"] and "Only the interviewer" in told["text"]

    # A forged submission of Priya's modal by Omar is refused and stores nothing.
    reply = ack_json(hirebot.slack.submit(hirebot.users["omar"], view, coding_values()))
    assert reply["response_action"] == "errors"
    assert "Only the interviewer" in json.dumps(reply["errors"])
    with hirebot.services.db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(Scorecard)) == 0
        refusals = session.scalars(select(AuditEvent.actor_id).where(AuditEvent.action == "scorecard.refused")).all()
    assert set(refusals) == {hirebot.users["nora"], hirebot.users["omar"]}
    assert any("refused scorecard access" in r.message for r in caplog.records)


def test_an_edit_changes_the_same_scorecard_and_posts_no_second_receipt(hirebot, loop):
    candidate, coding, _ = loop
    view = open_scorecard(hirebot, coding, "priya")
    hirebot.slack.submit(hirebot.users["priya"], view, coding_values())
    again = open_scorecard(hirebot, coding, "priya")
    assert (
        next(b for b in again["blocks"] if b.get("block_id") == Block.RECOMMENDATION)["element"]["initial_option"][
            "value"
        ]
        == "yes"
    )
    hirebot.slack.submit(hirebot.users["priya"], again, coding_values(**{Block.RECOMMENDATION: radio("strong_yes")}))
    hirebot.run_background()
    with hirebot.services.db.transaction() as session:
        cards = session.scalars(select(Scorecard).where(Scorecard.interview_id == coding.id)).all()
        assert [(c.recommendation, c.amendments) for c in cards] == [("strong_yes", 0)]
    receipts = [m for m in hirebot.client.all("chat.postMessage") if "submitted the" in m["text"]]
    assert len(receipts) == 1


def test_an_edit_after_the_debrief_summary_is_an_amendment(hirebot, loop):
    from db.models import Debrief

    candidate, coding, _ = loop
    view = open_scorecard(hirebot, coding, "priya")
    hirebot.slack.submit(hirebot.users["priya"], view, coding_values())
    with hirebot.services.db.transaction() as session:
        session.add(
            Debrief(
                candidate_id=candidate.id,
                scheduled_at=hirebot.clock() + timedelta(hours=2),
                summary_ts="1.0",
                posted_at=hirebot.clock(),
            )
        )
    again = open_scorecard(hirebot, coding, "priya")
    hirebot.slack.submit(hirebot.users["priya"], again, coding_values(**{Block.RECOMMENDATION: radio("no")}))
    with hirebot.services.db.transaction() as session:
        card = session.scalars(select(Scorecard).where(Scorecard.interview_id == coding.id)).one()
        actions = session.scalars(select(AuditEvent.action).where(AuditEvent.candidate_id == candidate.id)).all()
    assert (card.recommendation, card.amendments) == ("no", 1)
    assert "scorecard.amended" in actions


def test_full_scorecards_page_through_a_large_panel(hirebot):
    from bot.services.scorecard_form import ScorecardForm

    candidate = open_loop(hirebot)
    interviews = [
        interview_yesterday(hirebot, candidate, "recruiter_screen", who)
        for who in ("priya", "omar", "mei", "lars", "nora", "hank")
    ]
    interviews += [
        interview_yesterday(hirebot, candidate, "hiring_manager_close", who)
        for who in ("priya", "omar", "mei", "lars", "nora")
    ]
    keys = hirebot.services.rubrics.get("ml-engineer").stage("recruiter_screen").competencies
    close = hirebot.services.rubrics.get("ml-engineer").stage("hiring_manager_close").competencies
    for interview in interviews:
        ratings = {k: 3 for k in (keys if interview.stage_key == "recruiter_screen" else close)}
        evidence = dict.fromkeys(ratings, "Walked through a past project and said what it changed.")
        hirebot.services.scorecards.submit(
            interview.id,
            interview.interviewer_id,
            ScorecardForm(ratings=ratings, evidence=evidence, recommendation="yes"),
        )
    hirebot.slack.click(hirebot.users["rita"], Action.VIEW_PANEL, str(candidate.id), channel="D0RITA")
    first = hirebot.slack.opened_view()
    assert "page 1 of 2" in json.dumps(first)
    hirebot.slack.click(hirebot.users["rita"], Action.PANEL_PAGE, f"{candidate.id}:1", view=first)
    second = hirebot.client.last("views.update")[0]["view"]
    assert "page 2 of 2" in json.dumps(second)
    assert json.dumps(second).count("Hiring manager close") == 1
