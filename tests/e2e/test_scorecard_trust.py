"""A submitted scorecard stays with its author: a reschedule can't hand it to someone else,
and access follows the scorecard's own interviewer, not the interview's."""

from __future__ import annotations

import json
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.mrkdwn import escape
from db.models import Interview, Reminder, ReminderStatus, Scorecard
from handlers.ids import Action, Block, Callback, element_id, evidence_block, flag_evidence_block
from tests.support.loops import open_loop
from tests.support.scorecards import checks, coding_values, interview_yesterday, open_scorecard, radio
from tests.support.slack import ack_json, clock_time, date, form_values, number, text, user
from tests.support.slack import select as pick


@pytest.fixture
def loop(hirebot):
    candidate = open_loop(hirebot)
    coding = interview_yesterday(hirebot, candidate, "coding_round", "priya")
    return candidate, coding


def open_reschedule(bot, candidate, interview: Interview) -> dict:
    bot.slack.click(
        bot.users["rita"], Action.INTERVIEW_MENU, channel=candidate.channel_id, selected=f"reschedule:{interview.id}"
    )
    view = bot.slack.opened_view()
    assert view["callback_id"] == Callback.EDIT_INTERVIEW
    return view


def plan_values(bot, interview: Interview, who: str = "priya", stage: str = "coding_round", day: str = "") -> dict:
    """The modal as it was opened, with one thing changed."""
    local = interview.starts_at.astimezone(ZoneInfo(interview.timezone))
    return form_values(
        **{
            Block.STAGE: pick(stage),
            Block.INTERVIEWER: user(bot.users[who]),
            Block.START_DATE: date(day or local.strftime("%Y-%m-%d")),
            Block.START_TIME: clock_time(local.strftime("%H:%M")),
            Block.DURATION: number(interview.duration_minutes),
        }
    )


def state_of(bot, interview_id: int) -> tuple:
    with bot.services.db.transaction() as session:
        interview = session.get(Interview, interview_id)
        pending = session.scalars(
            select(Reminder.id).where(Reminder.interview_id == interview_id, Reminder.status == ReminderStatus.PENDING)
        ).all()
        return interview.interviewer_id, interview.stage_key, interview.starts_at, sorted(pending)


@pytest.mark.parametrize(
    "change",
    [{"who": "omar"}, {"stage": "ml_system_design"}, {"day": "2030-03-06"}],
    ids=["interviewer", "stage", "time"],
)
def test_a_reschedule_saved_after_the_scorecard_landed_is_refused_inline(hirebot, loop, change):
    candidate, coding = loop
    modal = open_reschedule(hirebot, candidate, coding)  # opened while the scorecard is missing
    hirebot.slack.submit(hirebot.users["priya"], open_scorecard(hirebot, coding, "priya"), coding_values())
    hirebot.run_background()
    before = state_of(hirebot, coding.id)

    reply = ack_json(hirebot.slack.submit(hirebot.users["rita"], modal, plan_values(hirebot, coding, **change)))
    assert reply["response_action"] == "errors"
    assert "scorecard is already in" in reply["errors"][Block.STAGE]
    assert hirebot.run_background() == 0
    assert state_of(hirebot, coding.id) == before  # no new interviewer, stage, time or reminders
    with hirebot.services.db.transaction() as session:
        card = session.scalars(select(Scorecard).where(Scorecard.interview_id == coding.id)).one()
        assert card.interviewer_id == hirebot.users["priya"]


def test_a_scorecard_landing_between_the_ack_and_the_save_is_caught_under_the_lock(hirebot, loop):
    candidate, coding = loop
    modal = open_reschedule(hirebot, candidate, coding)
    assert ack_json(hirebot.slack.submit(hirebot.users["rita"], modal, plan_values(hirebot, coding, who="omar"))) == {}
    # The save is queued; Priya's scorecard lands before it runs.
    hirebot.slack.submit(hirebot.users["priya"], open_scorecard(hirebot, coding, "priya"), coding_values())
    hirebot.run_background()
    interviewer, stage, _, _ = state_of(hirebot, coding.id)
    assert (interviewer, stage) == (hirebot.users["priya"], "coding_round")
    told = [m for m in hirebot.client.all("chat.postMessage") if m["channel"] == hirebot.users["rita"]]
    assert any("scorecard is already in" in m["text"] for m in told)


def reassign_behind_the_scorecard(bot, interview_id: int, to: str) -> None:
    """The state an earlier reschedule left behind: the interview says Omar, the scorecard Priya."""
    with bot.services.db.transaction() as session:
        session.get(Interview, interview_id).interviewer_id = bot.users[to]
    bot.invites_match_db = False  # written behind the app's back: no invite was sent for it


def test_the_scorecards_own_author_decides_who_may_open_edit_and_see_the_panel(hirebot, loop):
    candidate, coding = loop
    hirebot.slack.submit(hirebot.users["priya"], open_scorecard(hirebot, coding, "priya"), coding_values())
    reassign_behind_the_scorecard(hirebot, coding.id, "omar")

    opened = len(hirebot.client.all("views.open"))
    hirebot.slack.click(hirebot.users["omar"], Action.OPEN_SCORECARD, str(coding.id), channel="D0OMAR")
    assert len(hirebot.client.all("views.open")) == opened  # Omar never sees Priya's evidence
    assert "Only the interviewer" in hirebot.client.all("chat.postMessage")[-1]["text"]

    mine = open_scorecard(hirebot, coding, "priya")
    assert "Clean, tested solution" in json.dumps(mine)
    forged = ack_json(
        hirebot.slack.submit(hirebot.users["omar"], mine, coding_values(**{Block.RECOMMENDATION: radio("no")}))
    )
    assert forged["response_action"] == "errors"
    edited = coding_values(**{Block.RECOMMENDATION: radio("strong_yes")})
    assert ack_json(hirebot.slack.submit(hirebot.users["priya"], mine, edited))["response_action"] == "update"
    with hirebot.services.db.transaction() as session:
        card = session.scalars(select(Scorecard).where(Scorecard.interview_id == coding.id)).one()
        assert (card.interviewer_id, card.recommendation) == (hirebot.users["priya"], "strong_yes")

    hirebot.slack.click(hirebot.users["omar"], Action.VIEW_PANEL, str(candidate.id), channel="D0OMAR")
    assert "stays blind" in json.dumps(hirebot.slack.opened_view())
    hirebot.slack.click(hirebot.users["priya"], Action.VIEW_PANEL, str(candidate.id), channel="D0PRIYA")
    panel = json.dumps(hirebot.slack.opened_view())
    assert "Clean, tested solution" in panel and f"<@{hirebot.users['priya']}>" in panel


def test_an_unchanged_resubmission_refreshes_nothing_and_claims_no_update(hirebot, loop):
    candidate, coding = loop
    view = open_scorecard(hirebot, coding, "priya")
    first = ack_json(hirebot.slack.submit(hirebot.users["priya"], view, coding_values()))
    assert "is in" in json.dumps(first["view"])
    hirebot.run_background()
    calls = len(hirebot.client.calls)

    again = ack_json(hirebot.slack.submit(hirebot.users["priya"], view, coding_values()))  # the double click
    assert again["response_action"] == "update"
    assert "updated" not in json.dumps(again["view"]) and "unchanged" in json.dumps(again["view"])
    assert hirebot.run_background() == 0  # no card, Home tab, pre-read or receipt
    assert hirebot.client.methods()[calls:] == []


def test_full_scorecards_show_every_character_of_long_evidence_and_notes(hirebot, loop):
    candidate, coding = loop
    long = {
        key: (f"{key} said <this> & that, at length. " * 100)[:3000]
        for key in ("software_engineering", "data_pipelines", "notes", "flag")
    }
    values = coding_values(
        **{
            evidence_block("software_engineering"): text(long["software_engineering"]),
            evidence_block("data_pipelines"): text(long["data_pipelines"]),
            Block.RED_FLAGS: checks("framework_dependent"),
            flag_evidence_block("framework_dependent"): text(long["flag"]),
            Block.NOTES: text(long["notes"]),
        }
    )
    reply = ack_json(hirebot.slack.submit(hirebot.users["priya"], open_scorecard(hirebot, coding, "priya"), values))
    assert reply["response_action"] == "update"

    hirebot.slack.click(hirebot.users["rita"], Action.VIEW_PANEL, str(candidate.id), channel=candidate.channel_id)
    page = hirebot.slack.opened_view()
    shown = []
    while True:
        shown += [b["text"]["text"] for b in page["blocks"] if b["type"] == "section"]
        turn = [
            e for b in page["blocks"] if b["type"] == "actions" for e in b["elements"] if e["text"]["text"] == "Next"
        ]
        if not turn:
            break
        page = {**page, "id": "V0PANEL"}
        hirebot.slack.click(hirebot.users["rita"], Action.PANEL_PAGE, turn[0]["value"], view=page)
        page = hirebot.client.last("views.update")[0]["view"]
    joined = "".join(shown)
    for typed in long.values():
        assert escape(typed) in joined


def test_a_red_flag_error_names_only_blocks_the_modal_has(hirebot, loop):
    _, coding = loop
    values = coding_values(**{Block.RED_FLAGS: checks("framework_dependent", "ignores_data_quality")})
    # Submitted before the redraw that adds the evidence boxes: the modal has none of them.
    plain = open_scorecard(hirebot, coding, "priya")
    reply = ack_json(hirebot.slack.submit(hirebot.users["priya"], plain, values))
    assert reply["response_action"] == "errors"
    assert set(reply["errors"]) <= {b.get("block_id") for b in plain["blocks"]}
    labels = hirebot.services.rubrics.get("ml-engineer")
    for flag in ("framework_dependent", "ignores_data_quality"):
        assert labels.red_flag(flag).label in reply["errors"][Block.RED_FLAGS]

    # Once the box is there, the error goes beside it.
    plain["state"] = {"values": values}
    hirebot.slack.click(hirebot.users["priya"], element_id(Block.RED_FLAGS), view=plain)
    redrawn = {**hirebot.client.last("views.update")[0]["view"], "id": plain["id"]}
    reply = ack_json(hirebot.slack.submit(hirebot.users["priya"], redrawn, values))
    assert flag_evidence_block("framework_dependent") in reply["errors"]


def test_reschedule_from_a_menu_shown_before_the_scorecard_landed_opens_nothing(hirebot, loop):
    candidate, coding = loop
    hirebot.slack.submit(hirebot.users["priya"], open_scorecard(hirebot, coding, "priya"), coding_values())
    opened = len(hirebot.client.all("views.open"))
    hirebot.slack.click(
        hirebot.users["rita"], Action.INTERVIEW_MENU, channel=candidate.channel_id, selected=f"reschedule:{coding.id}"
    )
    assert len(hirebot.client.all("views.open")) == opened
    told = hirebot.client.last("chat.postEphemeral")[0]
    assert told["user"] == hirebot.users["rita"] and "scorecard is already in" in told["text"]
