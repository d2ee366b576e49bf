"""Training interviewers end to end: a shadow added from the interview menu, their practice
scorecard absent from everything the panel reads and counts, their comparison only after the
decision, and graduation offered to recruiters at the pack's counts."""

from __future__ import annotations

import json

from sqlalchemy import select

from bot.errors import SlackTargetGone
from bot.services import agreement_data, panel_stats, pools
from db.models import Interview, PracticeScorecard, Reminder, ReminderKind
from db.vocabulary import PoolRole
from handlers.ids import Action, Block, Callback, element_id, flag_evidence_block
from tests.support.loops import add_interview, open_loop, unique_name
from tests.support.markup import mrkdwn_texts
from tests.support.reminders import at, dms_to, sweep_at
from tests.support.scorecards import checks, coding_values, interview_yesterday, open_scorecard
from tests.support.slack import ack_json, form_values
from tests.support.training import (
    MARKER,
    add_trainee,
    decide,
    harsh_coding_practice,
    open_practice,
    practised_loop,
)

HOSTILE = "<!channel> <@U0EVIL> & *co*"


def shadowed_loop(bot, trainee: str = "nora", mode: str = "shadow", name: str | None = None):
    """A loop whose Coding round (yesterday, Priya) has `trainee` on it; Priya's scorecard is in."""
    candidate = open_loop(bot, name)
    interview = interview_yesterday(bot, candidate, "coding_round", "priya")
    assert add_trainee(bot, interview.id, trainee, mode, channel=candidate.channel_id) == {}
    view = open_scorecard(bot, interview, "priya")
    assert ack_json(bot.slack.submit(bot.users["priya"], view, coding_values()))["response_action"] == "update"
    bot.run_background()
    return candidate, interview


def everything_the_panel_reads(bot, candidate) -> dict:
    services = bot.services
    pack = services.rubrics.get("ml-engineer")
    with services.db.transaction() as session:
        stats = {
            "leniency": panel_stats.leniency(session),
            "reliability": panel_stats.reliability(session, pack),
        }
    return {
        "summary": services.debrief.summary(candidate.id),
        "panel": services.scorecards.panel(candidate.id, bot.users["rita"]),
        "agreement": agreement_data.panel_ratings(services.db),
        "card": services.loops.card(candidate.id),
        **stats,
    }


def sent_texts(bot, since: int = 0) -> str:
    texts = []
    for _, args, _ in bot.client.calls[since:]:
        blocks = args.get("blocks") or (args.get("view") or {}).get("blocks") or []
        texts += [args.get("text") or "", *mrkdwn_texts(json.loads(blocks) if isinstance(blocks, str) else blocks)]
    return "\n".join(texts)


def test_a_practice_scorecard_is_absent_from_every_pre_read_tally_statistic_and_panel_view(hirebot):
    candidate, interview = shadowed_loop(hirebot)
    before = everything_the_panel_reads(hirebot, candidate)
    calls_before = len(hirebot.client.calls)
    # The trainee was told, with the practice scorecard's button; they fill it in at the bottom of the scale.
    [notice] = [m for m in dms_to(hirebot, "nora") if "practice" in m["text"].lower() or "shadow" in m["text"]]
    assert Action.OPEN_PRACTICE in json.dumps(notice["blocks"])
    view = open_practice(hirebot, interview.id, "nora")
    assert view["callback_id"] == Callback.PRACTICE_SCORECARD and "Practice — not counted" in json.dumps(
        view, ensure_ascii=False
    )
    reply = ack_json(hirebot.slack.submit(hirebot.users["nora"], view, harsh_coding_practice()))
    assert reply["response_action"] == "update"
    hirebot.run_background()
    with hirebot.services.db.transaction() as session:
        assert len(session.scalars(select(PracticeScorecard)).all()) == 1
    # Tally, decision rule, matrix, flags, missing scorecards, coverage, leniency, reliability,
    # agreement data and the panel: exactly what they were before the practice scorecard.
    after = everything_the_panel_reads(hirebot, candidate)
    assert after == before
    summary = after["summary"]
    assert summary.submitted == 1 and sum(summary.tally.values()) == 1 and not summary.flags
    assert [m.interviewer_id for m in summary.missing] == []
    # The pre-read as posted and the panel as clicked: nothing of the practice scorecard.
    hirebot.services.debrief.post(candidate.id, hirebot.users["rita"])
    for who in ("rita", "priya"):
        hirebot.slack.click(hirebot.users[who], Action.VIEW_PANEL, str(candidate.id), channel=candidate.channel_id)
        assert MARKER not in json.dumps(hirebot.slack.opened_view())
    assert MARKER not in sent_texts(hirebot, calls_before)
    # The trainee is never chased for it, nor nudged before the debrief.
    with hirebot.services.db.transaction() as session:
        kinds = session.scalars(select(Reminder.kind).where(Reminder.target_user_id == hirebot.users["nora"])).all()
    assert set(kinds) <= {ReminderKind.PREP_KIT, ReminderKind.TRAINEE_NOTICE}


def test_the_trainee_sees_the_panels_ratings_only_after_the_decision(hirebot):
    candidate, interview = shadowed_loop(hirebot)
    view = open_practice(hirebot, interview.id, "nora")
    # Ticking a red flag redraws the practice modal (still practice) with its evidence box.
    view["state"] = {"values": form_values(**{Block.RED_FLAGS: checks("ignores_data_quality")})}
    hirebot.slack.click(hirebot.users["nora"], element_id(Block.RED_FLAGS), view=view)
    redrawn = hirebot.client.last("views.update")[0]["view"]
    assert redrawn["callback_id"] == Callback.PRACTICE_SCORECARD
    assert flag_evidence_block("ignores_data_quality") in [b.get("block_id") for b in redrawn["blocks"]]
    hirebot.slack.submit(hirebot.users["nora"], view, harsh_coding_practice())
    hirebot.services.debrief.post(candidate.id, hirebot.users["rita"])
    # Blind until the decision: the panel is refused, and no comparison has been sent.
    hirebot.slack.click(hirebot.users["nora"], Action.VIEW_PANEL, str(candidate.id), channel="D0DM")
    assert "Feedback stays blind" in json.dumps(hirebot.slack.opened_view())
    assert not [m for m in dms_to(hirebot, "nora") if "beside the panel" in m["text"]]
    assert hirebot.users["nora"] not in hirebot.emulator.members(candidate.channel_id)
    decide(hirebot, candidate)
    [comparison] = [m for m in dms_to(hirebot, "nora") if "beside the panel" in m["text"]]
    body = json.dumps(comparison["blocks"], ensure_ascii=False)
    assert "you *1* · interviewer *3* · panel median *3*" in body
    assert "0% of 2 ratings within 1 point of the panel's median; mean difference -2.50 (stricter)" in body
    # Decided: practice is closed.
    view = open_practice(hirebot, interview.id, "nora")
    refused = ack_json(hirebot.slack.submit(hirebot.users["nora"], view, harsh_coding_practice()))
    assert "practice scorecards are closed" in json.dumps(refused["errors"])


def test_graduation_is_offered_at_the_packs_counts_and_only_a_recruiter_marks_trained(hirebot):
    def offers() -> list[dict]:
        return [m for m in dms_to(hirebot, "rita") if "Ready to mark trained" in m["text"]]

    practised_loop(hirebot, "lars", "shadow", "2030-03-04")
    practised_loop(hirebot, "lars", "reverse_shadow", "2030-03-05")
    assert offers() == []  # one shadow short
    # The third, through Slack: added from the interview menu, practice from the DM, /hire decide.
    candidate, interview = shadowed_loop(hirebot, "lars", "shadow")
    view = open_practice(hirebot, interview.id, "lars")
    hirebot.slack.submit(hirebot.users["lars"], view, harsh_coding_practice())
    decide(hirebot, candidate)
    [offer] = offers()
    body = json.dumps(offer["blocks"], ensure_ascii=False)
    assert "2 of 2 shadows and 1 of 1 reverse shadows" in body
    assert "0% of 6 ratings within 1 point of the panel's median; mean difference -2.50 (stricter)" in body
    value = next(b["accessory"]["value"] for b in offer["blocks"] if b.get("accessory"))
    # Hank runs loops but is not a recruiter: refused, and nothing changes.
    hirebot.slack.click(hirebot.users["hank"], Action.MARK_TRAINED, value, channel="D0HANK")
    refusal = [m for m in hirebot.client.all("chat.postMessage") if m["channel"] == hirebot.users["hank"]][-1]
    assert "Only recruiters can mark someone trained" in refusal["text"]
    with hirebot.services.db.transaction() as session:
        assert pools.member(session, "ml-engineer", "coding_round", hirebot.users["lars"]) is None
    hirebot.slack.click(hirebot.users["rita"], Action.MARK_TRAINED, value, channel="D0RITA")
    with hirebot.services.db.transaction() as session:
        member = pools.member(session, "ml-engineer", "coding_round", hirebot.users["lars"])
    assert member is not None and member.role is PoolRole.TRAINED
    assert "is now trained for *Coding round*" in dms_to(hirebot, "rita")[-1]["text"]


def test_hostile_names_reach_the_trainee_escaped(hirebot):
    candidate, interview = shadowed_loop(hirebot, name=unique_name(HOSTILE))
    view = open_practice(hirebot, interview.id, "nora")
    hirebot.slack.submit(hirebot.users["nora"], view, harsh_coding_practice())
    decide(hirebot, candidate)
    texts = [t for m in dms_to(hirebot, "nora") for t in [m["text"], *mrkdwn_texts(m.get("blocks") or [])]]
    assert any("&lt;!channel&gt; &lt;@U0EVIL&gt; &amp; *co*" in t for t in texts)
    assert not any("<!channel" in t or "<@U0EVIL" in t for t in texts)


def test_a_trainee_who_cannot_be_dmed_is_reported_to_whoever_added_them(hirebot, monkeypatch):
    real = hirebot.services.slack.post_message
    nora = hirebot.users["nora"]

    def gone(channel, text, blocks=None):
        if channel == nora:
            raise SlackTargetGone("chat.postMessage", "user_disabled")
        return real(channel, text, blocks)

    monkeypatch.setattr(hirebot.services.slack, "post_message", gone)
    candidate = open_loop(hirebot)
    interview = interview_yesterday(hirebot, candidate, "coding_round", "priya")
    assert add_trainee(hirebot, interview.id, "nora", channel=candidate.channel_id) == {}
    told = [m["text"] for m in dms_to(hirebot, "rita")] + [
        args["text"] for args in hirebot.client.all("chat.postEphemeral") if args["user"] == hirebot.users["rita"]
    ]
    assert any("couldn't DM" in t and "user_disabled" in t for t in told), told
    # The trainee is still on the interview: their prep kit waits in the outbox.
    with hirebot.services.db.transaction() as session:
        assert session.scalars(select(Reminder).where(Reminder.target_user_id == nora)).all()


def test_the_panel_cannot_be_a_trainee_and_a_trainee_gets_the_prep_kit(hirebot):
    hirebot.clock.set(at("2030-03-04 09:00"))
    candidate = open_loop(hirebot)
    add_interview(hirebot, candidate, "coding_round", "priya", "2030-03-06", "14:00")
    with hirebot.services.db.transaction() as session:
        interview_id = session.scalars(select(Interview.id).where(Interview.candidate_id == candidate.id)).one()
    refused = add_trainee(hirebot, interview_id, "omar", channel=candidate.channel_id)  # on the hiring team
    assert "blind" in refused["errors"][Block.TRAINEE]
    assert add_trainee(hirebot, interview_id, "mei", "reverse_shadow", channel=candidate.channel_id) == {}
    [notice] = dms_to(hirebot, "mei")
    assert "reverse shadow" in notice["text"] and "you lead the interview" in json.dumps(notice["blocks"])
    sweep_at(hirebot, "2030-03-06 13:30")
    kits = [m for m in dms_to(hirebot, "mei") if m["text"].startswith("Prep kit: Coding round")]
    assert len(kits) == 1 and Action.OPEN_PRACTICE in json.dumps(kits[0]["blocks"])
    assert candidate.channel_id not in json.dumps(kits[0]["blocks"])  # not in the channel, so no link to it
    # Priya's own kit is the interviewer's: no practice button.
    [priya] = [m for m in dms_to(hirebot, "priya") if m["text"].startswith("Prep kit: Coding round")]
    assert Action.OPEN_PRACTICE not in json.dumps(priya["blocks"])
