"""Sealed votes end to end, with a panel of five: asked for by DM when the pre-read is posted,
seen by nobody (channel, recruiter, hiring manager) until one reveal, which comes on the last
vote or at the debrief's start; a suggested speaking order; a decision against the rule needs
an override reason; the export carries it all."""

from __future__ import annotations

import itertools
import json
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from alembic import command
from sqlalchemy import select

from bot.cli import main as cli
from bot.errors import SlackTransientError
from bot.services.scorecard_form import ScorecardForm
from bot.slack_gateway import RateLimiter
from db.migrate import alembic_config
from db.models import Candidate, Interview, Reminder, ReminderKind, ReminderStatus
from handlers.ids import Action, Block, Callback
from tests.support.loops import add_interview, open_loop
from tests.support.slack import ack_json, clock_time, date, form_values, text

LONDON = ZoneInfo("Europe/London")
# Two people share the last stage's competencies, so only Priya (business sense) and Omar
# (software engineering, and the only leakage flag) hold evidence nobody else has.
STAGES = [
    ("recruiter_screen", "priya", "yes"),
    ("coding_round", "omar", "yes"),
    ("collaboration_communication", "mei", "yes"),
    ("collaboration_communication", "lars", "yes"),
    ("collaboration_communication", "nora", "no"),
]
REASONS = {  # every reason is a marker that must not appear anywhere before the reveal
    "priya": "QZ-priya clear on the business case",
    "omar": "QZ-omar the leakage was a one-off",
    "mei": "QZ-mei heard <@U0BOSS> & the flag discussion, now unsure",
    "lars": "QZ-lars nothing new",
    "nora": "QZ-nora the design round answered my doubt",
}


def at(moment: str) -> datetime:
    return datetime.strptime(moment, "%Y-%m-%d %H:%M").replace(tzinfo=LONDON)


def form(bot, stage: str, recommendation: str, flag: str | None = None) -> ScorecardForm:
    keys = bot.services.rubrics.get("ml-engineer").stage(stage).competencies
    return ScorecardForm(
        ratings=dict.fromkeys(keys, 3),
        evidence={k: f"Walked through {k} on a real example." for k in keys},
        flags=[flag] if flag else [],
        flag_evidence={flag: "Tuned on the test set and called it validation."} if flag else {},
        recommendation=recommendation,
    )


@pytest.fixture
def hirebot(hirebot):
    """Seven people click through modals here, each at a person's pace: a second between Web API
    calls, so the burst allowance for views.open (which real Slack enforces too) is not the subject."""
    ticks = itertools.count()
    hirebot.services.slack._limiter = RateLimiter(clock=lambda: float(next(ticks)), sleep=hirebot.limiter_waits.append)
    return hirebot


def panel_loop(bot) -> Candidate:
    """Five interviews on Monday, all five scorecards in; the debrief on Thursday at 15:00."""
    bot.clock.set(at("2030-03-04 09:00"))
    candidate = open_loop(bot)
    for n, (stage, who, _) in enumerate(STAGES):
        add_interview(bot, candidate, stage, who, "2030-03-04", f"{10 + n}:00")
    bot.slack.click(bot.users["rita"], Action.SET_DEBRIEF, str(candidate.id), channel=candidate.channel_id)
    bot.slack.submit(
        bot.users["rita"],
        bot.slack.opened_view(),
        form_values(**{Block.DEBRIEF_DATE: date("2030-03-07"), Block.DEBRIEF_TIME: clock_time("15:00")}),
    )
    bot.run_background()
    with bot.services.db.transaction() as session:
        interviews = session.scalars(
            select(Interview).where(Interview.candidate_id == candidate.id).order_by(Interview.starts_at)
        ).all()
    bot.clock.set(at("2030-03-05 10:00"))
    for interview, (stage, who, recommendation) in zip(interviews, STAGES, strict=True):
        card = form(bot, stage, recommendation, "ignores_data_quality" if who == "omar" else None)
        bot.services.scorecards.submit(interview.id, bot.users[who], card)
    return candidate


def post_pre_read_and_ask(bot, candidate: Candidate) -> None:
    bot.clock.set(at("2030-03-07 14:00"))
    bot.services.dispatcher.sweep()  # the pre-read, and the vote DMs planned with it
    bot.clock.set(at("2030-03-07 14:01"))
    bot.services.dispatcher.sweep()  # the vote DMs


def asks(bot) -> dict[str, list[str]]:
    """The vote DMs sent, by person: 'ask' or 'nudge'."""
    sent: dict[str, list[str]] = {}
    for args in bot.client.all("chat.postMessage"):
        body = json.dumps(args.get("blocks") or [])
        if Action.CAST_VOTE in body:
            sent.setdefault(args["channel"], []).append("nudge" if "A reminder" in body else "ask")
    return sent


def vote(bot, candidate: Candidate, who: str, choice: str, reason: str = "") -> dict:
    bot.slack.click(bot.users[who], Action.CAST_VOTE, str(candidate.id), channel=f"D0{who.upper()}")
    bot.run_background()
    view = bot.slack.opened_view()
    assert view["callback_id"] == Callback.SEALED_VOTE
    values = form_values(
        **{
            Block.VOTE: {"type": "radio_buttons", "selected_option": {"value": choice}},
            Block.VOTE_REASON: text(reason),
        }
    )
    reply = ack_json(bot.slack.submit(bot.users[who], view, values))
    bot.run_background()
    return reply


def reveals(bot, candidate: Candidate) -> list[dict]:
    return [m for m in bot.emulator.history(candidate.channel_id) if m["text"].startswith("Sealed votes for")]


def speaking_order(message: dict) -> list[str]:
    sections = [b["text"]["text"] for b in message["blocks"] if b["type"] == "section"]
    [order] = [t for t in sections if t.startswith("*Suggested speaking order*")]
    return order.splitlines()[1:]


def everything_seen(bot, candidate: Candidate, replies: list[dict]) -> str:
    """Every payload the app sent to Slack (messages, DMs, ephemerals, views, Home tabs), every
    command reply, and the channel's real history. Left out: each voter's own vote modal, which
    opens only on their own click and shows their own vote back to them."""
    sent = [
        args
        for method, args, _ in bot.client.calls
        if not (method == "views.open" and args["view"]["callback_id"] == Callback.SEALED_VOTE)
    ]
    history = bot.emulator.history(candidate.channel_id)
    return json.dumps([sent, history, replies], ensure_ascii=False)


def peek_as_recruiter_and_manager(bot, candidate: Candidate) -> list[dict]:
    """Every view the recruiter and the hiring manager can open on the loop."""
    replies = []
    for who in ("rita", "hank"):
        user = bot.users[who]
        replies.append(ack_json(bot.slack.command(user, "status", channel=candidate.channel_id)))
        replies.append(ack_json(bot.slack.command(user, "status")))
        replies.append(ack_json(bot.slack.command(user, "decide", channel=candidate.channel_id)))
        bot.slack.click(user, Action.VIEW_PANEL, str(candidate.id), channel=candidate.channel_id)
        bot.slack.event({"type": "app_home_opened", "user": user, "tab": "home"})
        bot.run_background()
        replies += bot.slack.replies()
    return replies


def test_votes_stay_sealed_until_the_last_one_then_one_reveal_with_a_speaking_order(hirebot):
    candidate = panel_loop(hirebot)
    post_pre_read_and_ask(hirebot, candidate)
    users = hirebot.users
    assert asks(hirebot) == {users[who]: ["ask"] for _, who, _ in STAGES}

    assert vote(hirebot, candidate, "priya", "yes", REASONS["priya"]) == {}
    assert vote(hirebot, candidate, "omar", "yes", REASONS["omar"]) == {}
    # Mei's scorecard said Yes: a different vote must say what changed her mind.
    refused = vote(hirebot, candidate, "mei", "no")
    assert refused["errors"] == {Block.VOTE_REASON: "Your scorecard said Yes: say what changed your mind to No."}
    assert vote(hirebot, candidate, "mei", "no", REASONS["mei"]) == {}
    assert vote(hirebot, candidate, "lars", "strong_yes", "QZ-lars first thought") == {}
    # Changed before the reveal: back to his scorecard's Yes, so no reason is needed.
    assert vote(hirebot, candidate, "lars", "yes", REASONS["lars"]) == {}
    # And a change away from the scorecard without a reason is refused like a first vote.
    assert vote(hirebot, candidate, "priya", "strong_no")["errors"][Block.VOTE_REASON].startswith("Your scorecard")

    replies = peek_as_recruiter_and_manager(hirebot, candidate)
    seen = everything_seen(hirebot, candidate, replies)
    for marker in ("QZ-", "shifted", "Sealed votes for"):
        assert marker not in seen
    decide = [args["view"] for args in hirebot.client.all("views.open") if "Sealed votes" in json.dumps(args["view"])]
    assert decide and all("4 of 5 cast" in json.dumps(v) for v in decide)
    assert reveals(hirebot, candidate) == []

    assert vote(hirebot, candidate, "nora", "yes", REASONS["nora"]) == {}  # the last vote reveals
    [message] = reveals(hirebot, candidate)
    body = json.dumps(message["blocks"], ensure_ascii=False)
    assert "&lt;@U0BOSS&gt; &amp; the flag" in body and "<@U0BOSS>" not in body
    assert f"<@{users['mei']}> · *No* (scorecard: Yes) ⬇️ *shifted down*" in body
    assert f"<@{users['nora']}> · *Yes* (scorecard: No) ⬆️ *shifted up*" in body
    assert f"<@{users['lars']}> · *Yes* (scorecard: Yes): “QZ-lars nothing new”" in body
    assert message["text"] == f"Sealed votes for {candidate.name}: 1 No, 4 Yes; 2 shifted"
    assert speaking_order(message) == [
        f"1. <@{users['priya']}> (saw something nobody else did), <@{users['omar']}> (saw something nobody else "
        f"did), <@{users['mei']}> (voted against the majority): unique evidence or a vote against the majority",
        f"2. <@{users['lars']}>, <@{users['nora']}>: the rest of the panel",
        f"3. <@{users['hank']}>: the hiring manager",
        f"4. <@{users['rita']}>: the recruiter closes",
    ]

    # Final after the reveal; the sweep at the debrief's start does not post it again.
    assert vote(hirebot, candidate, "lars", "no", "QZ-lars too late")["errors"] == {
        Block.VOTE: "The votes are revealed: yours can no longer change."
    }
    hirebot.clock.set(at("2030-03-07 15:00"))
    hirebot.services.dispatcher.sweep()
    # A sweep that read the row before the last vote landed, calling the reveal anyway, loses the race.
    assert hirebot.services.votes.reveal(candidate.id, "debrief start") is False
    assert len(reveals(hirebot, candidate)) == 1
    assert "nudge" not in sum(asks(hirebot).values(), [])  # everyone voted: nobody is nudged

    # /hire decide now shows the revealed votes beside the rule.
    hirebot.slack.command(users["rita"], "decide", channel=candidate.channel_id)
    shown = json.dumps(hirebot.slack.opened_view()["blocks"], ensure_ascii=False)
    assert "*Sealed votes* (revealed)" in shown and "QZ-nora the design round" in shown
    assert "*Decision rule* says *no hire*" in shown


def test_at_the_debriefs_start_the_votes_cast_are_revealed_once_and_the_rest_shown_as_not_cast(hirebot):
    candidate = panel_loop(hirebot)
    post_pre_read_and_ask(hirebot, candidate)
    users = hirebot.users
    for who in ("priya", "omar", "lars"):
        assert vote(hirebot, candidate, who, "yes", REASONS[who]) == {}
    # One nudge, in working hours, to those who have not voted, halfway to the debrief.
    hirebot.clock.set(at("2030-03-07 14:30"))
    hirebot.services.dispatcher.sweep()
    nudged = {user for user, kinds in asks(hirebot).items() if "nudge" in kinds}
    assert nudged == {users["mei"], users["nora"]}
    hirebot.clock.set(at("2030-03-07 14:59"))
    hirebot.services.dispatcher.sweep()
    assert reveals(hirebot, candidate) == []
    assert "QZ-" not in everything_seen(hirebot, candidate, [])

    hirebot.clock.set(at("2030-03-07 15:00"))
    hirebot.services.dispatcher.sweep()
    hirebot.clock.set(at("2030-03-07 15:05"))
    hirebot.services.dispatcher.sweep()
    [message] = reveals(hirebot, candidate)
    body = json.dumps(message["blocks"], ensure_ascii=False)
    assert "because the debrief has started" in body
    assert f"<@{users['mei']}> · _not cast_ (scorecard: Yes)" in body
    assert f"<@{users['nora']}> · _not cast_ (scorecard: No)" in body
    assert sum(asks(hirebot).values(), []).count("nudge") == 2  # one nudge each, never a second
    assert vote(hirebot, candidate, "mei", "yes")["errors"] == {
        Block.VOTE: "The votes are revealed: yours can no longer change."
    }
    with hirebot.services.db.transaction() as session:
        rows = session.scalars(
            select(Reminder).where(Reminder.candidate_id == candidate.id, Reminder.kind == ReminderKind.VOTE_REVEAL)
        ).all()
    assert [r.status for r in rows] == [ReminderStatus.SENT]


def test_a_decision_against_the_rule_needs_an_override_and_the_export_carries_the_votes(hirebot, monkeypatch, tmp_path):
    candidate = panel_loop(hirebot)
    post_pre_read_and_ask(hirebot, candidate)
    for who, choice in (("priya", "yes"), ("omar", "yes"), ("mei", "no"), ("lars", "yes")):
        vote(hirebot, candidate, who, choice, REASONS[who])
    # The fixture builds tables from the models; the CLI wants to see them at Alembic's head.
    command.stamp(alembic_config(hirebot.services.settings.database_url), "head")
    monkeypatch.setenv("DATABASE_URL", hirebot.services.settings.database_url)
    monkeypatch.chdir(tmp_path)
    # Before the reveal the export is no back door: who voted, never what.
    assert cli(["export", "--candidate", str(candidate.id), "--out", "early.json"]) == 0
    early = (tmp_path / "early.json").read_text()
    assert "QZ-" not in early and '"recommendation"' not in early.split('"sealed_votes"')[1]
    vote(hirebot, candidate, "nora", "yes", REASONS["nora"])

    hirebot.slack.command(hirebot.users["hank"], "decide", channel=candidate.channel_id)
    view = hirebot.slack.opened_view()
    hire = form_values(
        **{
            Block.DECISION: {"type": "radio_buttons", "selected_option": {"value": "hire"}},
            Block.RATIONALE: text("Four of five for hire after the reveal."),
            Block.OVERRIDE: text(""),
        }
    )
    refused = ack_json(hirebot.slack.submit(hirebot.users["hank"], view, hire))
    assert list(refused["errors"]) == [Block.OVERRIDE]
    hire |= form_values(**{Block.OVERRIDE: text("The leakage was a one-off in a notebook, explained.")})
    assert ack_json(hirebot.slack.submit(hirebot.users["hank"], view, hire)) == {}
    hirebot.run_background()

    assert cli(["export", "--candidate", str(candidate.id), "--out", "loop.json"]) == 0
    exported = json.loads((tmp_path / "loop.json").read_text())
    assert exported["decision"] | {"decided_at": None} == {
        "decision": "hire",
        "rationale": "Four of five for hire after the reveal.",
        "decided_at": None,
        "rule_outcome": "no hire",
        "against_rule": True,
        "override_reason": "The leakage was a one-off in a notebook, explained.",
    }
    votes = {v["voter"]: v for v in exported["sealed_votes"]["votes"]}
    mei = votes[hirebot.users["mei"]]
    assert (mei["recommendation"], mei["scorecard_recommendation"], mei["shifted"]) == ("no", "yes", True)
    assert mei["reason"] == REASONS["mei"]
    assert votes[hirebot.users["nora"]]["shifted"] is True and votes[hirebot.users["lars"]]["shifted"] is False
    assert exported["sealed_votes"]["revealed_at"] is not None


def test_a_pre_read_posted_after_the_debrief_started_asks_for_no_votes(hirebot):
    candidate = panel_loop(hirebot)
    hirebot.clock.set(at("2030-03-07 15:10"))
    hirebot.services.debrief.post(candidate.id, hirebot.users["rita"])
    hirebot.clock.set(at("2030-03-07 15:11"))
    hirebot.services.dispatcher.sweep()
    assert asks(hirebot) == {} and reveals(hirebot, candidate) == []
    with hirebot.services.db.transaction() as session:
        kinds = session.scalars(select(Reminder.kind).where(Reminder.candidate_id == candidate.id)).all()
    assert not set(kinds) & {ReminderKind.VOTE_REQUEST, ReminderKind.VOTE_NUDGE, ReminderKind.VOTE_REVEAL}


def test_a_debrief_moved_earlier_after_the_pre_read_moves_the_reveal_with_it(hirebot):
    candidate = panel_loop(hirebot)
    post_pre_read_and_ask(hirebot, candidate)
    vote(hirebot, candidate, "priya", "yes", REASONS["priya"])
    hirebot.clock.set(at("2030-03-07 14:05"))
    hirebot.slack.click(hirebot.users["rita"], Action.SET_DEBRIEF, str(candidate.id), channel=candidate.channel_id)
    hirebot.slack.submit(
        hirebot.users["rita"],
        hirebot.slack.opened_view(),
        form_values(**{Block.DEBRIEF_DATE: date("2030-03-07"), Block.DEBRIEF_TIME: clock_time("14:30")}),
    )
    hirebot.run_background()
    for moment in ("2030-03-07 14:06", "2030-03-07 14:29"):
        hirebot.clock.set(at(moment))
        hirebot.services.dispatcher.sweep()
    assert reveals(hirebot, candidate) == []
    hirebot.clock.set(at("2030-03-07 14:30"))
    hirebot.services.dispatcher.sweep()
    [message] = reveals(hirebot, candidate)  # at the new time, not the old 15:00
    assert "because the debrief has started" in json.dumps(message["blocks"])
    hirebot.clock.set(at("2030-03-07 15:00"))
    hirebot.services.dispatcher.sweep()
    assert len(reveals(hirebot, candidate)) == 1


def test_a_reveal_slack_refused_on_the_last_vote_keeps_the_vote_and_is_posted_at_the_debriefs_start(
    hirebot, monkeypatch
):
    candidate = panel_loop(hirebot)
    post_pre_read_and_ask(hirebot, candidate)
    for who in ("priya", "omar", "mei", "lars"):
        vote(hirebot, candidate, who, "yes", REASONS[who])
    gateway, real = hirebot.services.slack, hirebot.services.slack.post_message

    def down(channel: str, text: str, blocks: list | None = None) -> str:
        if channel == candidate.channel_id:
            raise SlackTransientError("chat.postMessage", "service_unavailable")
        return real(channel, text, blocks)

    monkeypatch.setattr(gateway, "post_message", down)
    assert vote(hirebot, candidate, "nora", "yes", REASONS["nora"]) == {}
    assert reveals(hirebot, candidate) == []
    monkeypatch.undo()
    hirebot.clock.set(at("2030-03-07 15:00"))
    hirebot.services.dispatcher.sweep()
    [message] = reveals(hirebot, candidate)
    assert "QZ-nora" in json.dumps(message["blocks"]) and "because the debrief has started" in json.dumps(message)
