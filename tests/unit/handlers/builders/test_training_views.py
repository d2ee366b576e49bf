"""The training builders: within Slack's limits with the longest names, and nothing typed unescaped."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from bot.services.practice import Agreement, Comparison, CompetencyLine, Progress, TraineeNotice, TraineeSlot
from bot.services.scorecard_form import ScorecardForm
from bot.services.scorecards import ScorecardContext
from db.vocabulary import Decision, TraineeMode
from handlers.builders.training import BlockKitTrainingRenderer, agreement_text, practice_modal, trainee_modal
from handlers.ids import Block, Callback
from rubrics.loader import RubricRegistry
from tests.support.blockkit import check_message, check_view

HOSTILE = "<!channel> <@U0EVIL> & " + "x" * 180
WHEN = datetime(2030, 3, 6, 14, 0, tzinfo=UTC)
PACK = RubricRegistry.from_directory().get("ml-engineer")
render = BlockKitTrainingRenderer()


def texts(message) -> str:
    return message.text + json.dumps(message.blocks, ensure_ascii=False)


def test_the_add_a_trainee_modal_lists_who_is_training_already() -> None:
    slot = TraineeSlot(7, HOSTILE, "Coding round", "U0PRIYA001", WHEN, "Europe/London", [("U0T1", TraineeMode.SHADOW)])
    view = trainee_modal(slot)
    check_view(view)
    body = json.dumps(view)
    assert view["callback_id"] == Callback.ADD_TRAINEE and "<@U0T1> (shadow)" in body
    assert "<!channel>" not in body and "&lt;!channel&gt;" in body


def test_the_practice_modal_is_the_stages_scorecard_labelled_practice() -> None:
    context = ScorecardContext(
        7, 3, HOSTILE, None, PACK, PACK.stage("coding_round"), WHEN, "Europe/London", None, False
    )
    view = practice_modal(context, flags_shown=["ignores_data_quality"])
    check_view(view)
    ids = [b.get("block_id") for b in view["blocks"]]
    assert "rating.software_engineering" in ids and "flag_evidence.ignores_data_quality" in ids
    assert view["callback_id"] == Callback.PRACTICE_SCORECARD and not view["notify_on_close"]
    assert "Practice — not counted" in json.dumps(view, ensure_ascii=False)
    notes = next(b for b in view["blocks"] if b.get("block_id") == Block.NOTES)
    assert notes["hint"]["text"] == "Only you see these notes."
    assert ScorecardForm().ratings == {}  # the prefill stays the caller's


def test_the_dms_escape_names_and_fit_slack() -> None:
    notice = TraineeNotice("U0T1", TraineeMode.REVERSE_SHADOW, 7, HOSTILE, HOSTILE[:60], "U0PRIYA001", WHEN, "UTC")
    lines = [CompetencyLine(HOSTILE[:60], 1, 3, 2.5), CompetencyLine("Data", 2, None, None)]
    comparison = Comparison(
        "U0T1",
        TraineeMode.SHADOW,
        HOSTILE,
        "Coding",
        "U0PRIYA001",
        Decision.HIRE,
        lines,
        "no",
        "yes",
        Agreement(2, 1, -2.5),
    )
    progress = Progress(
        "U0T1", "ml-engineer", "coding_round", HOSTILE[:60], HOSTILE[:60], 2, 1, 2, 1, Agreement(), False
    )
    for message in (render.trainee_notice(notice), render.comparison(comparison), render.graduation_offers([progress])):
        check_message(message.text, message.blocks)
        assert "<!channel>" not in texts(message) and "<@U0EVIL>" not in texts(message)
    body = texts(render.comparison(comparison))
    assert "you *1* · interviewer *3* · panel median *2.5*" in body and "interviewer *–* · panel median *–*" in body
    assert "no competency to compare" in texts(render.graduation_offers([progress]))


def test_one_offer_dm_per_decision_holds_every_trainee_it_made_ready_within_slacks_blocks() -> None:
    def ready(n: int) -> Progress:
        return Progress(f"U0T{n:04d}", "ml-engineer", "coding_round", "MLE", "Coding", 2, 1, 2, 1, Agreement(), False)

    two = render.graduation_offers([ready(1), ready(2)])
    assert two.text == "Ready to mark trained: 2 trainees"
    assert [b["accessory"]["value"] for b in two.blocks] == [
        "ml-engineer|coding_round|U0T0001",
        "ml-engineer|coding_round|U0T0002",
    ]
    many = render.graduation_offers([ready(n) for n in range(60)])
    check_message(many.text, many.blocks)
    assert len(many.blocks) == 46 and "15 more ready" in texts(many) and "/hire pool" in texts(many)


def test_agreement_reads_as_a_share_and_a_signed_lean() -> None:
    assert agreement_text(Agreement(4, 3, 2.0)) == (
        "75% of 4 ratings within 1 point of the panel's median; mean difference +0.50 (more lenient)"
    )
    assert agreement_text(Agreement(2, 2, 0.0)).endswith("+0.00 (level)")
