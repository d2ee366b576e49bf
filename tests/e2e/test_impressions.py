"""Evidence that is only an impression, end to end: the modal comes back with a nudge and
every value kept, Keep my wording stores it marked, and the pre-read and panel show it."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import func, select

from db.models import Rating, Scorecard
from handlers.builders.scorecards import IMPRESSION_MARK
from handlers.ids import Action, Block, Callback, element_id, evidence_block, flag_evidence_block, rating_block
from tests.support.blockkit import check_view
from tests.support.loops import open_loop
from tests.support.scorecards import checks, coding_values, interview_yesterday, open_scorecard, radio
from tests.support.slack import ack_json, form_values, text

VAGUE = "Seems smart & a culture fit <@U0EVIL>"
SHORT = "Good"
BEHAVIOUR = "Wrote a dedup step and tested it on nulls."


@pytest.fixture
def loop(hirebot):
    candidate = open_loop(hirebot)
    return candidate, interview_yesterday(hirebot, candidate, "coding_round", "priya")


def impression_values(**overrides: dict[str, Any]) -> dict:
    """A complete scorecard, red flag and all, whose rating evidence is only impressions."""
    values = coding_values(
        **{
            rating_block("software_engineering"): radio("2"),
            evidence_block("software_engineering"): text(VAGUE),
            evidence_block("data_pipelines"): text(SHORT),
            Block.RED_FLAGS: checks("framework_dependent"),
            flag_evidence_block("framework_dependent"): text("Could not explain the training loop."),
            Block.RECOMMENDATION: radio("no"),
            Block.NOTES: text("Private aside: ask about Spark."),
        }
    )
    values.update(form_values(**overrides))
    return values


def modal_with_flag_box(bot, interview) -> dict:
    """The scorecard modal after the red flag was ticked, as Slack holds it (id and hash)."""
    view = open_scorecard(bot, interview, "priya")
    view["state"] = {"values": form_values(**{Block.RED_FLAGS: checks("framework_dependent")})}
    bot.slack.click(bot.users["priya"], element_id(Block.RED_FLAGS), view=view)
    args, response = bot.client.last("views.update")
    return {**args["view"], "id": response["view"]["id"], "hash": response["view"]["hash"]}


def block(view: dict, block_id: str) -> dict:
    return next(b for b in view["blocks"] if b.get("block_id") == block_id)


def shown_as(view: dict, block_id: str) -> dict:
    """What the redrawn modal would submit for one input if left untouched, in state-value form."""
    element = block(view, block_id)["element"]
    if element["type"] == "plain_text_input":
        return text(element.get("initial_value", ""))
    if element["type"] == "checkboxes":
        return checks(*(o["value"] for o in element.get("initial_options", [])))
    return radio((element.get("initial_option") or {}).get("value"))


def submit(bot, view: dict, values: dict) -> dict:
    reply = ack_json(bot.slack.submit(bot.users["priya"], view, values))
    if reply.get("response_action") == "update":
        check_view(reply["view"])
    return reply


def test_impressions_redraw_the_modal_with_nudges_and_every_value_kept(hirebot, loop):
    _, coding = loop
    view = modal_with_flag_box(hirebot, coding)
    # Whatever the modal carries in its metadata comes back as it was: `update` replaces the view.
    view["private_metadata"] = json.dumps({"interview_id": coding.id, "opened_from": "home"})
    values = impression_values()
    reply = submit(hirebot, view, values)
    assert reply["response_action"] == "update"
    redrawn = reply["view"]
    assert redrawn["callback_id"] == Callback.SCORECARD
    assert redrawn["private_metadata"] == view["private_metadata"]

    # Nothing typed is lost: each field comes back exactly as it was submitted.
    for block_id, elements in values.items():
        assert shown_as(redrawn, block_id) == elements[element_id(block_id)], block_id
    # A nudge sits right under each evidence box that reads as an impression.
    ids = [b.get("block_id") for b in redrawn["blocks"]]
    for key in ("software_engineering", "data_pipelines"):
        nudge = redrawn["blocks"][ids.index(evidence_block(key)) + 1]
        assert nudge["type"] == "context" and "💭" in nudge["elements"][0]["text"]
    said = json.dumps(redrawn, ensure_ascii=False)
    assert "“seems”" in said and "“smart”" in said and "“culture fit”" in said and "short (1 word)" in said
    keep = block(redrawn, Block.KEEP_WORDING)
    assert keep["optional"] is True and "initial_options" not in keep["element"]

    # Submitting again untouched is asked again; still nothing is stored or announced.
    again = submit(hirebot, {**redrawn, "id": view["id"]}, values)
    assert again["response_action"] == "update" and Block.KEEP_WORDING in json.dumps(again["view"])
    hirebot.run_background()
    with hirebot.services.db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(Scorecard)) == 0
    assert not [m for m in hirebot.client.all("chat.postMessage") if "submitted the" in m["text"]]


def test_keep_my_wording_stores_the_evidence_marked_as_an_impression(hirebot, loop):
    _, coding = loop
    view = modal_with_flag_box(hirebot, coding)
    redrawn = submit(hirebot, view, impression_values())["view"]
    # The interviewer rewrites one box and keeps the other as written.
    kept = impression_values(**{evidence_block("data_pipelines"): text(BEHAVIOUR), Block.KEEP_WORDING: checks("keep")})
    reply = submit(hirebot, {**redrawn, "id": view["id"]}, kept)
    assert reply["response_action"] == "update" and "is in" in json.dumps(reply["view"])
    with hirebot.services.db.transaction() as session:
        card = session.scalars(select(Scorecard).where(Scorecard.interview_id == coding.id)).one()
        stored = {r.competency_key: (r.rating, r.evidence, r.impression) for r in card.ratings}
        assert (card.recommendation, card.notes) == ("no", "Private aside: ask about Spark.")
        assert [(f.flag_key, f.evidence) for f in card.red_flags] == [
            ("framework_dependent", "Could not explain the training loop.")
        ]
    assert stored == {
        "software_engineering": (2, VAGUE, True),
        "data_pipelines": (4, BEHAVIOUR, False),
    }


def test_evidence_of_behaviour_is_stored_on_the_first_submit_unmarked(hirebot, loop):
    _, coding = loop
    reply = submit(hirebot, open_scorecard(hirebot, coding, "priya"), coding_values())
    assert "is in" in json.dumps(reply["view"])
    with hirebot.services.db.transaction() as session:
        assert session.scalars(select(Rating.impression)).all() == [False, False]


def test_the_pre_read_counts_impressions_per_scorecard_and_the_panel_marks_them(hirebot, loop):
    candidate, coding = loop
    view = modal_with_flag_box(hirebot, coding)
    redrawn = submit(hirebot, view, impression_values())["view"]
    kept = impression_values(**{evidence_block("data_pipelines"): text(BEHAVIOUR), Block.KEEP_WORDING: checks("keep")})
    submit(hirebot, {**redrawn, "id": view["id"]}, kept)
    hirebot.run_background()

    ack_json(hirebot.slack.command(hirebot.users["rita"], "summary", channel=candidate.channel_id))
    hirebot.run_background()
    [pre_read] = [m for m in hirebot.emulator.history(candidate.channel_id) if "Debrief pre-read" in m.get("text", "")]
    sections = [b["text"]["text"] for b in pre_read["blocks"] if b["type"] == "section"]
    counted = next(s for s in sections if s.startswith("*Impression-only evidence*"))
    assert f"<@{hirebot.users['priya']}> · Coding round: 1 of 2 ratings" in counted

    hirebot.slack.click(hirebot.users["rita"], Action.VIEW_PANEL, str(candidate.id), channel=candidate.channel_id)
    lines = "\n".join(
        b["text"]["text"] for b in hirebot.slack.opened_view()["blocks"] if b["type"] == "section"
    ).splitlines()
    software = next(line for line in lines if line.startswith("• Software engineering"))
    pipelines = next(line for line in lines if line.startswith("• Data pipelines"))
    assert IMPRESSION_MARK in software and IMPRESSION_MARK not in pipelines
    assert "&amp; a culture fit &lt;@U0EVIL&gt;" in software  # what was typed stays escaped


def test_ticking_a_red_flag_after_the_nudge_keeps_the_nudges_and_the_tick(hirebot, loop):
    _, coding = loop
    view = open_scorecard(hirebot, coding, "priya")
    values = impression_values(**{Block.RED_FLAGS: checks()})
    del values[flag_evidence_block("framework_dependent")]
    redrawn = {**submit(hirebot, view, values)["view"], "id": view["id"], "hash": view["hash"]}
    ticked = {
        **values,
        **form_values(**{Block.RED_FLAGS: checks("framework_dependent"), Block.KEEP_WORDING: checks("keep")}),
    }
    redrawn["state"] = {"values": ticked}
    hirebot.slack.click(hirebot.users["priya"], element_id(Block.RED_FLAGS), view=redrawn)
    again = hirebot.client.last("views.update")[0]["view"]
    assert shown_as(again, Block.KEEP_WORDING) == checks("keep")
    assert flag_evidence_block("framework_dependent") in [b.get("block_id") for b in again["blocks"]]
    assert json.dumps(again, ensure_ascii=False).count("💭") == 2 + 1  # two nudges and the notice
    for block_id in (evidence_block("software_engineering"), evidence_block("data_pipelines"), Block.NOTES):
        assert shown_as(again, block_id) == values[block_id][element_id(block_id)]


def test_the_export_says_which_evidence_was_kept_as_an_impression(hirebot, loop):
    candidate, coding = loop
    view = modal_with_flag_box(hirebot, coding)
    redrawn = submit(hirebot, view, impression_values())["view"]
    submit(hirebot, {**redrawn, "id": view["id"]}, impression_values(**{Block.KEEP_WORDING: checks("keep")}))
    [card] = [i["scorecard"] for i in hirebot.services.debrief.export(candidate.id)["interviews"] if i["scorecard"]]
    assert {r["competency"]: r["impression"] for r in card["ratings"]} == {
        "software_engineering": True,
        "data_pipelines": True,
    }
