"""The debrief pre-read: the pure summary function, part by part, and its Block Kit rendering."""

from __future__ import annotations

import string
from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.services.leniency import Rating
from bot.services.ports import PreReadChange
from bot.services.summary import (
    CardInput,
    ExpectedInput,
    UniqueRow,
    calibrate,
    summarize,
    unique_evidence,
)
from handlers.builders.debrief import age, debrief
from rubrics.models import Recommendation
from tests.support.blockkit import check_message
from tests.support.summaries import NO, NOW, PACK, YES, card, loop


def test_headline_tallies_recommendations_and_counts_scorecards():
    cards = [
        card("U1", "coding_round", YES),
        card("U2", "ml_system_design", NO),
        card("U3", "model_deep_dive", Recommendation.STRONG_YES),
    ]
    expected = [ExpectedInput(c.interviewer_id, c.stage_key, NOW, True) for c in cards] + [
        ExpectedInput("U4", "hiring_manager_close", NOW - timedelta(hours=30), False)
    ]
    s = summarize(loop(cards, expected), PACK)
    assert s.tally == {Recommendation.STRONG_YES: 1, YES: 1, NO: 1, Recommendation.STRONG_NO: 0}
    assert (s.submitted, s.expected, s.days_open, s.target_weeks) == (3, 4, 20, (4, 6))


def test_a_spread_of_two_is_a_disagreement_and_one_is_not():
    s = summarize(
        loop(
            [
                card("U1", "coding_round", software_engineering=1, data_pipelines=3),
                card("U2", "ml_system_design", software_engineering=3, data_pipelines=4),
            ]
        ),
        PACK,
    )
    rows = {r.key: r for r in s.matrix}
    assert rows["software_engineering"].spread == 2 and rows["software_engineering"].disagreement
    assert rows["data_pipelines"].spread == 1 and not rows["data_pipelines"].disagreement
    assert [r.key for r in s.disagreements] == ["software_engineering"]
    assert rows["software_engineering"].ratings == [("U1", 1), ("U2", 3)]
    assert rows["data_pipelines"].mean == 3.5 and rows["data_pipelines"].count == 2


def test_a_flag_raised_by_two_interviewers_is_repeated_and_every_flag_is_kept():
    s = summarize(
        loop(
            [
                card(
                    "U1",
                    "coding_round",
                    flags={"ignores_data_quality": "Joined on the label.", "framework_dependent": "x"},
                ),
                card("U2", "ml_system_design", flags={"ignores_data_quality": "No holdout."}),
            ]
        ),
        PACK,
    )
    assert len(s.flags) == 3
    repeated = [f for f in s.flags if f.repeated]
    assert {(f.interviewer_id, f.stage_name) for f in repeated} == {("U1", "Coding round"), ("U2", "ML system design")}
    assert not next(f for f in s.flags if f.key == "framework_dependent").repeated
    assert s.flags[0].repeated  # repeated flags lead


def test_a_competency_only_one_panel_member_rated_is_unique_evidence():
    cards = [
        card("U1", "coding_round", evidence={"software_engineering": "Wrote tests first."}, software_engineering=4),
        card(
            "U2",
            "ml_system_design",
            evidence={"deployment_serving": "Canary plan with rollback."},
            software_engineering=2,
            deployment_serving=4,
        ),
    ]
    s = summarize(loop(cards), PACK)
    # Software engineering was rated by two people: its evidence is not unique, however far apart.
    assert s.unique == [UniqueRow("U2", "ML system design", "Deployment and serving", 4, "Canary plan with rollback.")]


def test_a_red_flag_only_one_panel_member_raised_is_unique_evidence():
    cards = [
        card(
            "U1", "coding_round", flags={"ignores_data_quality": "Joined on the label.", "weak_engineering": "No tests"}
        ),
        card("U2", "ml_system_design", flags={"ignores_data_quality": "No holdout."}),
    ]
    s = summarize(loop(cards), PACK)
    label = PACK.red_flag("weak_engineering").label
    assert s.unique == [UniqueRow("U1", "Coding round", label, None, "No tests")]


def test_unique_evidence_counts_people_not_scorecards():
    # One interviewer on two stages is still one person: the rest of the room has not heard it.
    cards = [
        card("U1", "coding_round", evidence={"software_engineering": "a"}, software_engineering=3),
        card("U1", "ml_system_design", evidence={"software_engineering": "b"}, software_engineering=2),
        card("U2", "model_deep_dive", evidence={"modelling_fundamentals": " "}, modelling_fundamentals=3),
    ]
    rows = unique_evidence(cards, PACK)
    # U2's lone rating has no evidence written: the matrix shows it, and there is nothing to say.
    assert [(r.interviewer_id, r.topic, r.rating, r.evidence) for r in rows] == [
        ("U1", "Software engineering", 3, "a"),
        ("U1", "Software engineering", 2, "b"),
    ]
    assert unique_evidence([], PACK) == []


def test_the_pre_read_reads_evidence_first_and_votes_last():
    cards = [
        card(
            "U1",
            "coding_round",
            Recommendation.STRONG_NO,
            {"weak_engineering": "No tests & no structure"},
            {"data_pipelines": "Spotted the <leak> at once"},
            software_engineering=1,
            data_pipelines=4,
        ),
        card("U2", "ml_system_design", YES, {"weak_engineering": "Copy-pasted"}, software_engineering=4),
    ]
    expected = [ExpectedInput(c.interviewer_id, c.stage_key, NOW, True) for c in cards] + [
        ExpectedInput("U3", "hiring_manager_close", NOW - timedelta(hours=26), False)
    ]
    message = debrief(summarize(loop(cards, expected), PACK), 7, [])
    check_message(message.text, message.blocks)
    texts = [b["text"]["text"] for b in message.blocks if b["type"] == "section"]
    order = [
        "*Only one person saw this* (1)",
        "*Disagreements*",
        "*Competencies*",
        "*Red flags* (2)",
        "*Decision rule* says *no hire*",
        "*Recommendations*",
        "*Missing scorecards*",
    ]
    where = [next(i for i, t in enumerate(texts) if t.startswith(part)) for part in order]
    assert where == sorted(where), texts
    assert "*Recommendations*" not in texts[0]  # the headline no longer leads with votes
    unique = texts[where[0]]
    assert (
        "• <@U1> · Coding round · *Data pipelines and data quality* rated 4: “Spotted the &lt;leak&gt; at once”"
        in unique
    )
    assert "*Profile fit*: 3.25 / 4" in texts[where[2]]
    assert message.text.startswith(
        "Debrief pre-read for Priya Raman: 2 of 3 scorecards; 1 point only one person saw; 2 red flags (2 repeated);"
    )
    assert message.text.index("1 point only one person saw") < message.text.index("recommendations: 1 Yes, 1 Strong No")


def test_a_flag_only_one_person_raised_is_quoted_once():
    cards = [card("U1", "coding_round", flags={"framework_dependent": "Could not explain backprop"})]
    message = debrief(summarize(loop(cards), PACK), 7, [])
    body = "\n".join(b["text"]["text"] for b in message.blocks if b["type"] == "section")
    assert body.count("Could not explain backprop") == 1
    [flag_line] = [line for line in body.splitlines() if line.startswith("🚩")]
    assert "<@U1>" in flag_line and "evidence above" in flag_line


def test_coverage_gaps_are_the_competencies_nobody_rated():
    s = summarize(loop([card("U1", "coding_round", software_engineering=3, data_pipelines=3)]), PACK)
    assert "Software engineering" not in s.gaps and "Business sense" in s.gaps
    assert len(s.gaps) == len(PACK.competencies) - 2


def test_missing_scorecards_say_who_which_stage_and_how_overdue():
    expected = [
        ExpectedInput("U1", "coding_round", NOW - timedelta(hours=50), False),
        ExpectedInput("U2", "model_deep_dive", NOW + timedelta(hours=1), False),
    ]
    s = summarize(loop([], expected), PACK)
    assert [(m.interviewer_id, m.stage_name, m.overdue_by) for m in s.missing] == [
        ("U1", "Coding round", timedelta(hours=50)),
        ("U2", "Shipped-model deep dive", None),
    ]


def test_profile_weights_change_the_fit_score_and_the_arithmetic_is_shown():
    cards = [card("U1", "ml_system_design", deployment_serving=4, modelling_fundamentals=2)]
    balanced = summarize(loop(cards, profile="balanced"), PACK)
    modelling = summarize(loop(cards, profile="modelling_heavy"), PACK)
    infra = summarize(loop(cards, profile="infrastructure_heavy"), PACK)
    assert balanced.profile_fit == 3.0
    assert modelling.profile_fit < balanced.profile_fit < infra.profile_fit
    weight = PACK.profile("modelling_heavy").weight("modelling_fundamentals")
    assert f"{weight:g}×2.0" in modelling.fit_explanation and "= " in modelling.fit_explanation


def past(who: str, offsets: list[float], mate: str = "U8") -> list[Rating]:
    """`who` rated each past candidate `offset` above one panel mate who gave 2."""
    rows = []
    for i, offset in enumerate(offsets):
        unit = f"{who}-{i}"
        rows += [Rating(unit, "software_engineering", mate, 2.0), Rating(unit, "software_engineering", who, 2 + offset)]
    return rows


def test_calibration_names_only_panel_members_whose_interval_excludes_zero():
    history = past("U1", [1, 1, 1.5, 0.5, 1, 1]) + past("U2", [0.5, -0.5, 0, 0.5, -0.5, 0]) + past("U9", [2] * 6)
    rows = calibrate(history, panel={"U1", "U2"})
    assert [r.interviewer_id for r in rows] == ["U1"]  # U2 is noise around 0; U9 is not on this panel
    assert rows[0].estimate == 1.0 and rows[0].low > 0 and rows[0].candidates == 6
    assert calibrate(past("U1", [1, 1, 1, 1]), panel={"U1"}) == []  # 4 candidates: too few to say
    harsh = calibrate(past("U2", [-1, -0.5, -1, -0.5, -1]), panel={"U2"})
    assert harsh[0].direction == "below" and harsh[0].high < 0


def test_the_pre_read_projects_reliability_from_who_actually_rated_each_must_have():
    cards = [
        card("U1", "coding_round", software_engineering=3, data_pipelines=3),
        card("U2", "ml_system_design", data_pipelines=2, evaluation_metrics=3),
        card("U3", "ml_system_design", data_pipelines=3, evaluation_metrics=3),
    ]
    rows = {r.key: r for r in summarize(loop(cards, reliability={"data_pipelines": 0.6}), PACK).coverage}
    assert list(rows) == PACK.profile("balanced").must_have
    assert (rows["software_engineering"].raters, rows["software_engineering"].too_few_raters) == (1, True)
    assert rows["data_pipelines"].measured and rows["data_pipelines"].reliability == pytest.approx(1.8 / 2.2)
    assert not rows["data_pipelines"].warning
    assert rows["evaluation_metrics"].raters == 2 and rows["evaluation_metrics"].below_threshold  # .61 at .44
    assert rows["modelling_fundamentals"].raters == 0


def test_the_rendered_pre_read_carries_all_six_parts():
    cards = [
        card(
            "U1",
            "coding_round",
            NO,
            {"framework_dependent": "Could not explain backprop"},
            software_engineering=1,
            data_pipelines=3,
        ),
        card("U2", "ml_system_design", YES, software_engineering=4, data_pipelines=3),
    ]
    expected = [ExpectedInput(c.interviewer_id, c.stage_key, NOW, True) for c in cards] + [
        ExpectedInput("U3", "hiring_manager_close", NOW - timedelta(hours=26), False)
    ]
    s = summarize(loop(cards, expected, history=past("U2", [1.5, 1, 1.5, 1, 2])), PACK)
    message = debrief(s, 7, [PreReadChange("Coding & design", "U2", amended=False)])
    check_message(message.text, message.blocks)
    body = " ".join(b.get("text", {}).get("text", "") for b in message.blocks if b["type"] == "section")
    for part in (
        "Recommendations",
        "Competencies",
        "Disagreements",
        "Red flags",
        "Coverage gaps",
        "Missing scorecards",
        "Calibration",
        "Must-have coverage",
        "Could not explain backprop",
        "overdue by 1d 2h",
    ):
        assert part in body, part
    assert "1 red flag" in message.text and "updated: +1 scorecard (Coding &amp; design, <@U2>)" in message.text
    # The mention in the note is hirebot's own: it must reach Slack as a mention, not as &lt;@U2&gt;.
    notes = [e["text"] for b in message.blocks if b["type"] == "context" for e in b["elements"]]
    assert "_updated: +1 scorecard (Coding &amp; design, <@U2>)_" in notes


evidence = st.text(alphabet=string.ascii_letters + " &<>“”é🚀", min_size=0, max_size=3000)


@st.composite
def scorecards(draw):
    stages = [s.key for s in PACK.stages]
    count = draw(st.integers(min_value=0, max_value=20))
    cards = []
    for n in range(count):
        stage = draw(st.sampled_from(stages))
        flags = draw(st.lists(st.sampled_from(PACK.stage(stage).red_flags), unique=True))
        ratings = {k: draw(st.integers(1, 4)) for k in PACK.stage(stage).competencies}
        cards.append(
            CardInput(
                f"U{n:09d}",
                stage,
                draw(st.sampled_from(list(Recommendation))),
                ratings,
                {k: (PACK.red_flag(k).label, draw(evidence)) for k in flags},
                evidence={k: draw(evidence) for k in ratings},
            )
        )
    return cards


@settings(max_examples=60, deadline=None)
@given(scorecards())
def test_the_pre_read_always_fits_slack_and_never_drops_a_red_flag(cards):
    s = summarize(loop(cards), PACK)
    message = debrief(s, 1, [PreReadChange("Coding round", "U1", amended=True)])
    check_message(message.text, message.blocks)
    rendered = "\n".join(b.get("text", {}).get("text", "") for b in message.blocks if b["type"] == "section")
    raised = [(c.interviewer_id, label) for c in cards for label, _ in c.flags.values()]
    lines = [line for line in rendered.splitlines() if line.startswith("🚩")]
    assert len(lines) == len(raised)
    for who, label in raised:
        assert any(f"<@{who}>" in line and label in line for line in lines)
    # Nor a point only one person saw.
    unique = [
        line for line in rendered.splitlines() if line.startswith("• <@") and ("rated" in line or "red flag" in line)
    ]
    assert len(unique) == len(s.unique)


def test_overdue_reads_in_minutes_hours_or_days_never_zero_hours():
    ages = {minutes: age(minutes * 60) for minutes in (0.5, 1, 50, 60, 61, 5 * 60 + 10, 24 * 60, 26 * 60 + 59)}
    assert ages == {0.5: "1m", 1: "1m", 50: "50m", 60: "1h", 61: "1h 1m", 310: "5h 10m", 1440: "1d 0h", 1619: "1d 2h"}
    expected = [ExpectedInput("U1", "coding_round", NOW - timedelta(minutes=50), False)]
    message = debrief(summarize(loop([], expected), PACK), 7, [])
    body = " ".join(b.get("text", {}).get("text", "") for b in message.blocks if b["type"] == "section")
    assert "overdue by 50m" in body and "0h" not in body


def test_impression_only_evidence_is_counted_per_scorecard_and_shown():
    kept = CardInput("U1", "coding_round", YES, {"software_engineering": 3, "data_pipelines": 2}, {}, impressions=2)
    clean = card("U2", "ml_system_design", YES, software_engineering=3)
    s = summarize(loop([kept, clean]), PACK)
    assert [(r.interviewer_id, r.stage_name, r.count, r.rated) for r in s.impressions] == [("U1", "Coding round", 2, 2)]
    body = "\n".join(b.get("text", {}).get("text", "") for b in debrief(s, 7, []).blocks if b["type"] == "section")
    assert "Impression-only evidence" in body and "<@U1> · Coding round: 2 of 2 ratings" in body
    assert "<@U2>" not in body.split("Impression-only evidence")[1]
    quiet = debrief(summarize(loop([clean]), PACK), 7, [])
    assert "Impression-only" not in str(quiet.blocks)
