"""Every view and message hirebot builds, at its worst, fits Slack's Block Kit limits."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from bot.mrkdwn import escape
from bot.services.coverage import Coverage
from bot.services.leniency import Leniency, Rating
from bot.services.ports import (
    Escalation,
    InterviewLine,
    LoopCard,
    Override,
    PendingScorecard,
    PersonalStatus,
    PrepKit,
    PreReadChange,
    ScorecardReminder,
    SlackImage,
    UnfinishedLoop,
)
from bot.services.scorecard_form import ScorecardForm
from bot.services.scorecards import Panel, PanelEntry, ScorecardContext, SubmitResult
from bot.services.summary import CardInput, ExpectedInput, LoopInput, summarize
from bot.services.vote_rules import Reveal, VoteAsk, VoteForm, VoteLine, VoteStatus, speaking_order
from db.models import Decision, InterviewStatus, LoopStatus
from handlers.builders import debrief, loops, reminders, scorecards, votes
from handlers.builders.common import split_mrkdwn
from handlers.builders.help import help_message
from handlers.ids import evidence_block
from rubrics.loader import RubricRegistry
from rubrics.models import Recommendation
from tests.support.blockkit import BlockKitError, check_message, check_view

PACK = RubricRegistry.from_directory().get("ml-engineer")
NOW = datetime(2030, 3, 6, 10, 0, tzinfo=UTC)
LONG_NAME = "Maximilian-Alexander " * 9 + "Ö"  # near the 200-character limit of the form
TEXT_3000 = ("Evidence with <angle> & ampersands. " * 90)[:3000]


def line(n: int, **overrides) -> InterviewLine:
    stage = PACK.stages[n % len(PACK.stages)]
    values = dict(
        id=n,
        stage_key=stage.key,
        stage_name=stage.name,
        interviewer_id=f"U{n:09d}",
        starts_at=NOW + timedelta(hours=n),
        ends_at=NOW + timedelta(hours=n, minutes=60),
        timezone="Pacific/Chatham",
        status=InterviewStatus.SCHEDULED,
        submitted=n % 2 == 0,
        overdue=n % 3 == 0,
        escalated=n % 5 == 0,
    )
    values.update(overrides)
    return InterviewLine(**values)


def card(interviews: int = 40, problems: int = 12) -> LoopCard:
    return LoopCard(
        candidate_id=1,
        name=LONG_NAME,
        role=PACK.role,
        profile="Infrastructure-heavy",
        channel_id="C0123456789",
        recruiter_id="U0RECRUITER",
        hiring_manager_id="U0MANAGER",
        resume_url="https://ats.example.com/" + "x" * 500,
        stages=[(s.key, s.name) for s in PACK.stages],
        interviews=[line(n) for n in range(interviews)],
        debrief_at=NOW + timedelta(days=3),
        problems=[f"invite: cant_invite_{n}" for n in range(problems)],
        status=LoopStatus.DECIDED,
        decision=Decision.NO_HIRE,
        days_open=400,
        target_weeks=(4, 6),
        zone="Europe/London",
        imported=(9_999, 10_000),  # one block more than a loop opened by hand
    )


def pending(n: int) -> PendingScorecard:
    return PendingScorecard(
        interview_id=n,
        candidate_name=LONG_NAME,
        channel_id="C0123456789",
        stage_name=PACK.stages[n % 6].name,
        ends_at=NOW,
        overdue=True,
    )


def test_the_recruiter_modals_fit():
    check_view(loops.new_loop_modal(RubricRegistry.from_directory().all(), "U0RECRUITER", "C0123456789"))
    check_view(loops.interview_modal(PACK, card(), "Europe/London"))
    check_view(loops.interview_modal(PACK, card(), "Europe/London", interview=line(3)))
    check_view(loops.debrief_modal(card(), "America/Los_Angeles"))


@pytest.mark.parametrize("interviews", [0, 1, 12, 40, 200])
def test_the_loop_card_and_status_fit_however_big_the_loop(interviews):
    message = loops.loop_card(card(interviews))
    check_message(message.text, message.blocks)
    status = loops.loop_status(card(interviews), NOW)
    check_message(status.text, status.blocks)


@pytest.mark.parametrize("count", [0, 3, 30, 120])
def test_the_personal_views_fit(count):
    status = PersonalStatus(
        user_id="U1",
        pending=[pending(n) for n in range(count)],
        upcoming=[line(n) for n in range(count)],
        upcoming_channels={n: (LONG_NAME, "C1") for n in range(count)},
        zone="Asia/Kolkata",
        # Loops whose set-up stopped, each with every step failed and a long name.
        unfinished=[
            UnfinishedLoop(n, LONG_NAME, "C1" if n % 2 else None, [f"{s}: missing_scope" for s in "abcdefgh"])
            for n in range(count)
        ],
    )
    message = loops.personal_status(status)
    check_message(message.text, message.blocks)
    check_view(loops.home_view(status))


def test_help_fits():
    message = help_message()
    check_message(message.text, message.blocks)


def _context(stage_key: str, prefill: ScorecardForm | None) -> ScorecardContext:
    return ScorecardContext(
        interview_id=123456,
        candidate_id=654321,
        candidate_name=LONG_NAME,
        channel_id="C1",
        pack=PACK,
        stage=PACK.stage(stage_key),
        starts_at=NOW,
        zone="Europe/London",
        prefill=prefill,
        submitted=prefill is not None,
    )


@pytest.mark.parametrize("stage", [s.key for s in PACK.stages])
def test_every_stage_scorecard_modal_fits_even_fully_filled(stage):
    empty = scorecards.scorecard_modal(_context(stage, None))
    check_view(empty)
    flags = PACK.stage(stage).red_flags
    full = ScorecardForm(
        ratings={k: 4 for k in PACK.stage(stage).competencies},
        evidence={k: TEXT_3000 for k in PACK.stage(stage).competencies},
        flags=list(flags),
        flag_evidence={k: TEXT_3000 for k in flags},
        recommendation="strong_yes",
        notes=TEXT_3000,
    )
    filled = scorecards.scorecard_modal(_context(stage, full))
    check_view(filled)
    assert len(filled["blocks"]) == len(empty["blocks"]) + len(flags)
    result = SubmitResult(
        scorecard_id=1,
        created=False,
        changed=True,
        amended=True,
        candidate_id=654321,
        candidate_name=LONG_NAME,
        channel_id="C1",
        stage_name=PACK.stage(stage).name,
    )
    check_view(scorecards.submitted_view(result))


def test_the_panel_fits_with_many_long_scorecards():
    entry = PanelEntry(
        interviewer_id="U1",
        stage_name="Shipped-model deep dive",
        recommendation=Recommendation.STRONG_NO,
        ratings=[(c.name, 1, TEXT_3000) for c in PACK.competencies],
        flags=[(f.label, TEXT_3000) for f in PACK.red_flags],
        notes=TEXT_3000,
        submitted_at=NOW,
        amendments=3,
        pack_ref="ml-engineer@1",
    )
    texts = len(entry.ratings) + len(entry.flags) + 1
    for count in (0, 1, 12, 40):
        panel = Panel(candidate_name=LONG_NAME, entries=[entry] * count, expected=40)
        pages = [scorecards.panel_modal(panel, page, 7) for page in range(len(scorecards.panel_pages(panel)))]
        for view in pages:
            check_view(view)
        # Every character of every scorecard is on some page: nothing is trimmed.
        shown = "".join(b["text"]["text"] for v in pages for b in v["blocks"] if b["type"] == "section")
        assert shown.count(escape(TEXT_3000)) == count * texts
        assert shown.count("Shipped-model deep dive") == count


def test_long_text_splits_into_sections_that_join_back_and_keep_entities_whole():
    for text in (escape("&" * 3000), escape("<a> & b " * 400), "word " * 1300, "x" * 9001):
        pieces = split_mrkdwn(text)
        assert "".join(pieces) == text and all(0 < len(p) <= 3000 for p in pieces)
        assert not any(p.endswith(("&", "&a", "&am", "&amp", "&l", "&lt", "&g", "&gt")) for p in pieces)


@pytest.mark.parametrize("stage", [s.key for s in PACK.stages])
def test_reminder_messages_fit(stage):
    kit = PrepKit(
        reminder_id=1,
        interview_id=2,
        candidate_name=LONG_NAME,
        channel_id="C1",
        resume_url="https://ats.example.com/1",
        stage_name=PACK.stage(stage).name,
        starts_at=NOW,
        zone="Europe/London",
        competencies=[(c.name, c.description) for c in PACK.stage_competencies(stage)],
        focus_questions=list(PACK.stage(stage).focus_questions),
        red_flags=[f.label for f in PACK.stage_red_flags(stage)],
    )
    message = reminders.prep_kit(kit)
    check_message(message.text, message.blocks)
    for kind in ("due", "chaser", "digest", "nudge"):
        for count in (1, 25):
            message = reminders.scorecard_reminder(
                ScorecardReminder(1, kind, [pending(n) for n in range(count)], "Europe/London")
            )
            check_message(message.text, message.blocks)
    message = reminders.escalation(Escalation(LONG_NAME, "C1", "U1", "Coding round", NOW, "UTC"))
    check_message(message.text, message.blocks)


def _worst_cards(count: int, panel: int) -> list[CardInput]:
    """Every stage's every competency rated and every red flag raised, all with 3000 characters
    of evidence full of characters that escaping lengthens."""
    stages = [s.key for s in PACK.stages]
    return [
        CardInput(
            interviewer_id=f"U{n % panel:010d}",
            stage_key=stages[n % len(stages)],
            recommendation=Recommendation.STRONG_NO,
            ratings=dict.fromkeys(PACK.stage(stages[n % len(stages)]).competencies, 1),
            flags={f.key: (f.label, TEXT_3000) for f in PACK.stage_red_flags(stages[n % len(stages)])},
            amendments=3,
            evidence=dict.fromkeys(PACK.stage(stages[n % len(stages)]).competencies, TEXT_3000),
        )
        for n in range(count)
    ]


@pytest.mark.parametrize(("count", "panel"), [(1, 1), (12, 1), (40, 1), (40, 40), (120, 7)])
def test_the_pre_read_fits_at_its_worst_and_keeps_every_point(count, panel):
    # panel=1: one person on every stage, so every rating and flag is unique evidence.
    cards = _worst_cards(count, panel)
    stages = [s.key for s in PACK.stages]
    expected = [ExpectedInput(c.interviewer_id, c.stage_key, NOW, True) for c in cards]
    expected += [ExpectedInput(f"U{n:010d}", stages[n % 6], NOW - timedelta(days=3), False) for n in range(40)]
    rule = PACK.decision_rule.model_copy(update={"blocking_flags": [f.key for f in PACK.red_flags]})
    pack = PACK.model_copy(update={"decision_rule": rule})
    # Every panel member rates 3 points above a panel mate on five past candidates: all named.
    history = [
        rating
        for n in range(5 * count)
        for rating in (Rating(n, "coding", f"U{n % panel:010d}", 4.0), Rating(n, "coding", "UMATE", 1.0))
    ]
    loop = LoopInput(LONG_NAME, "modelling_heavy", NOW - timedelta(days=90), NOW, cards, expected, history)
    summary = summarize(loop, pack)
    changes = [PreReadChange("Shipped-model deep dive" * 2, c.interviewer_id, n % 2 == 0) for n, c in enumerate(cards)]
    picture = SlackImage("F0123456789", "A" * 5000, "Ratings by competency and interviewer")
    message = debrief.debrief(summary, 987654, changes, picture)
    check_message(message.text, message.blocks)
    [image] = [b for b in message.blocks if b["type"] == "image"]  # the heat map takes room; nothing is lost
    assert image["slack_file"] == {"id": "F0123456789"} and len(image["alt_text"]) == 2000
    lines = [line for b in message.blocks if b["type"] == "section" for line in b["text"]["text"].splitlines()]
    assert sum(line.startswith("🚩") for line in lines) == len(summary.flags) == sum(len(c.flags) for c in cards)
    unique = [line for line in lines if line.startswith("• <@") and (" rated " in line or " · red flag " in line)]
    assert len(unique) == len(summary.unique)
    assert any("Decision rule" in line and line.endswith(debrief.ADVICE) for line in lines)
    decide = debrief.decide_modal(987654, LONG_NAME, summary.rule)
    check_view(decide)
    assert str(decide["blocks"]).count(debrief.ADVICE) == 1


def test_the_checker_catches_what_slack_refuses():
    for bad, problem in [
        ({"type": "image", "slack_file": {"id": "F0123456789"}}, "alt_text"),
        ({"type": "image", "alt_text": "a", "image_url": "https://x", "slack_file": {"id": "F0123456789"}}, "one"),
        ({"type": "image", "alt_text": "a", "slack_file": {"id": "F0123456789", "url": "https://x"}}, "one of id"),
        ({"type": "image", "alt_text": "a", "slack_file": {"id": "https://x"}}, "not a file id"),
    ]:
        with pytest.raises(BlockKitError, match=problem):
            check_message("t", [bad])
    with pytest.raises(BlockKitError, match="title over 24"):
        check_view({"type": "modal", "title": {"type": "plain_text", "text": "x" * 25}, "blocks": []})
    with pytest.raises(BlockKitError, match="51 blocks"):
        check_message("t", [{"type": "divider"}] * 51)
    with pytest.raises(BlockKitError, match="no plain-text"):
        check_message("", [])
    with pytest.raises(BlockKitError, match="option text over 75"):
        check_message(
            "t",
            [
                {
                    "type": "actions",
                    "elements": [
                        {
                            "type": "static_select",
                            "action_id": "a",
                            "options": [{"text": {"type": "plain_text", "text": "o" * 76}, "value": "v"}],
                        }
                    ],
                }
            ],
        )


@pytest.mark.parametrize("stage", [s.key for s in PACK.stages])
def test_the_nudged_scorecard_modal_fits_with_every_field_nudged(stage):
    flags = PACK.stage(stage).red_flags
    keys = PACK.stage(stage).competencies
    full = ScorecardForm(
        ratings={k: 4 for k in keys},
        evidence=dict.fromkeys(keys, TEXT_3000),
        flags=list(flags),
        flag_evidence=dict.fromkeys(flags, TEXT_3000),
        recommendation="strong_yes",
        notes=TEXT_3000,
    )
    # The longest nudge a pack can give: three phrases, each with the longest hint allowed.
    nudge = " ".join(f"“{'p' * 40}”: {'<&>' * 66}" for _ in range(3))
    nudges = {evidence_block(k): nudge for k in keys}
    view = scorecards.scorecard_modal(_context(stage, full), flags_shown=list(flags), nudges=nudges)
    check_view(view)
    plain = scorecards.scorecard_modal(_context(stage, full), flags_shown=list(flags))
    assert len(view["blocks"]) == len(plain["blocks"]) + len(keys) + 2  # a nudge each, the notice, the tick


def test_impression_marks_and_counts_fit_the_panel_and_the_pre_read():
    entry = PanelEntry(
        interviewer_id="U1",
        stage_name="Shipped-model deep dive",
        recommendation=Recommendation.STRONG_NO,
        ratings=[(c.name, 1, TEXT_3000) for c in PACK.competencies],
        flags=[(f.label, TEXT_3000) for f in PACK.red_flags],
        notes=TEXT_3000,
        submitted_at=NOW,
        amendments=3,
        pack_ref="ml-engineer@1",
        impressions=frozenset(range(len(PACK.competencies))),
    )
    panel = Panel(candidate_name=LONG_NAME, entries=[entry] * 40, expected=40)
    for page in range(len(scorecards.panel_pages(panel))):
        check_view(scorecards.panel_modal(panel, page, 7))
    cards = [
        CardInput(
            f"U{n:09d}",
            stage.key,
            Recommendation.YES,
            dict.fromkeys(stage.competencies, 2),
            {k: (PACK.red_flag(k).label, TEXT_3000) for k in stage.red_flags},
            impressions=len(stage.competencies),
        )
        for n, stage in enumerate(PACK.stages * 7)
    ]
    loop = LoopInput(LONG_NAME, "balanced", NOW, NOW, cards, [])
    message = debrief.debrief(summarize(loop, PACK), 1, [])
    check_message(message.text, message.blocks)
    assert "Impression-only evidence" in json.dumps(message.blocks)


# The panel's measurements, at their largest.

AMPERSANDS = "&" * 60  # a competency name at its 60-character limit, five times longer once escaped


def coverage_rows(n: int) -> list[Coverage]:
    return [Coverage(f"k{i}", AMPERSANDS, i % 3, 0.44, i % 2 == 0, 0.5, 0.7) for i in range(n)]


def lenient(n: int) -> list[Leniency]:
    return [Leniency(f"U{i:09d}", (-1) ** i * 1.25, 0.5 - 2 * (i % 2), 2.0 - 2 * (i % 2), 999, 9999) for i in range(n)]


@pytest.mark.parametrize("must_haves", [1, 9, 60])
def test_the_loop_card_fits_with_its_coverage(must_haves):
    message = loops.loop_card(replace(card(200), coverage=coverage_rows(must_haves)))
    check_message(message.text, message.blocks)


@pytest.mark.parametrize("interviewers", [1, 12, 500])
def test_the_home_fits_with_everyones_leniency(interviewers):
    in_line = [replace(r, low=-0.1, estimate=0.4) for r in lenient(interviewers)]
    sparse = [replace(r, candidates=2) for r in lenient(interviewers)]
    for rows in (lenient(interviewers), in_line, sparse, lenient(interviewers) + in_line + sparse):
        status = PersonalStatus(
            user_id="U000000001",
            pending=[pending(n) for n in range(120)],
            upcoming=[],
            upcoming_channels={},
            zone="UTC",
            leniency=rows,
            sees_everyone=True,
        )
        check_view(loops.home_view(status))
        check_view(loops.home_view(replace(status, sees_everyone=False)))


def test_the_pre_read_fits_with_coverage_and_calibration():
    cards = [
        CardInput(
            f"U{n:09d}",
            stage.key,
            Recommendation.NO,
            {k: 1 for k in stage.competencies},
            {k: (PACK.red_flag(k).label, TEXT_3000) for k in stage.red_flags},
        )
        for n, stage in enumerate(PACK.stages * 4)
    ]
    loop = LoopInput(LONG_NAME, "balanced", NOW - timedelta(days=400), NOW, cards, [])
    s = replace(summarize(loop, PACK), coverage=coverage_rows(60), calibration=lenient(24))
    message = debrief.debrief(s, 1, [PreReadChange(AMPERSANDS, f"U{n}", amended=n % 2 == 0) for n in range(30)])
    check_message(message.text, message.blocks)
    raised = sum(len(c.flags) for c in cards)
    assert sum(b.get("text", {}).get("text", "").count("🚩") for b in message.blocks) == raised


def _vote_lines(panel: int) -> list[VoteLine]:
    """Every vote cast but one in ten, each with 3000 characters that escaping lengthens."""
    scale = list(Recommendation)
    return [
        VoteLine(f"U{n:010d}", scale[n % 4], None if n % 10 == 9 else scale[(n + 1) % 4], TEXT_3000)
        for n in range(panel)
    ]


@pytest.mark.parametrize("panel", [1, 5, 40, 120])
def test_sealed_vote_messages_and_modals_fit_at_their_worst(panel):
    lines = _vote_lines(panel)
    holders = {line.voter_id for line in lines[::2]}
    order = speaking_order(lines, holders, "U0MANAGER", "U0RECRUITER")
    for trigger in ("last vote", "debrief start"):
        message = votes.reveal(Reveal(LONG_NAME, lines, order, trigger))
        check_message(message.text, message.blocks)
        shown = "\n".join(b["text"]["text"] for b in message.blocks if b["type"] == "section")
        assert all(f"<@{line.voter_id}> · " in shown for line in lines)  # nobody's vote is dropped
        assert all(shown.count(f"<@{line.voter_id}>") == 2 for line in lines)  # nor their turn to speak
    for nudge in (False, True):
        ask = votes.vote_ask(VoteAsk(1, LONG_NAME, "C0123456789", NOW, "Pacific/Chatham", nudge))
        check_message(ask.text, ask.blocks)
    check_view(votes.vote_modal(VoteForm(987654, LONG_NAME, Recommendation.NO, Recommendation.STRONG_YES, TEXT_3000)))
    rule = summarize(LoopInput(LONG_NAME, "balanced", NOW, NOW, _worst_cards(40, 7), []), PACK).rule
    voters = [line.voter_id for line in lines]
    sealed = VoteStatus(voters, voters[:-1], revealed=False, lines=[])
    revealed = VoteStatus(voters, voters, revealed=True, lines=lines)
    for status in (sealed, revealed):
        check_view(debrief.decide_modal(987654, LONG_NAME, rule, status))
    override = Override("not enough evidence", TEXT_3000, 999, 1000)
    decided = debrief.decision(LONG_NAME, Decision.HOLD, TEXT_3000, "U0MANAGER", 987654, override)
    check_message(decided.text, decided.blocks)
