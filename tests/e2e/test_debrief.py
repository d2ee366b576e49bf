"""The debrief end to end: the pre-read posted once at its time, updated in place by a late
scorecard, refused to interviewers on demand; the decision, archiving, export and purge."""

from __future__ import annotations

import json
from datetime import datetime
from zoneinfo import ZoneInfo

from alembic import command
from sqlalchemy import func, select

from bot.cli import main as cli
from bot.services.scorecard_form import ScorecardForm
from db.migrate import alembic_config
from db.models import AuditEvent, Candidate, Debrief, Interview, LoopStatus, Reminder, ReminderStatus, Scorecard
from handlers.ids import Action, Block, Callback
from tests.support.loops import add_interview, open_loop
from tests.support.slack import ack_json, clock_time, date, form_values, text

LONDON = ZoneInfo("Europe/London")
STAGES = ["recruiter_screen", "coding_round", "ml_system_design", "model_deep_dive", "collaboration_communication"]
PANEL = ["priya", "omar", "mei", "lars", "nora"]


def at(moment: str) -> datetime:
    return datetime.strptime(moment, "%Y-%m-%d %H:%M").replace(tzinfo=LONDON)


def form(bot, stage: str, flag: str | None = None) -> ScorecardForm:
    pack = bot.services.rubrics.get("ml-engineer")
    keys = pack.stage(stage).competencies
    return ScorecardForm(
        ratings={k: 3 for k in keys},
        evidence={k: f"Walked through {k} on a real example." for k in keys},
        flags=[flag] if flag else [],
        flag_evidence={flag: "Tuned on the test set and called it validation."} if flag else {},
        recommendation="yes",
    )


def evidence_values(pack, stage: str) -> dict:
    """Evidence for every rating of a stage: this pack asks for it on each one."""
    said = "Asked who owned the rollout and described the handover."
    return form_values(**{f"evidence.{k}": text(said) for k in pack.stage(stage).competencies})


def loop_of_five(bot):
    """Five interviews on Monday, four scorecards in (one red flag), debrief on Thursday 15:00."""
    bot.clock.set(at("2030-03-04 09:00"))
    candidate = open_loop(bot)
    for n, (stage, who) in enumerate(zip(STAGES, PANEL, strict=True)):
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
    for interview, stage, who in list(zip(interviews, STAGES, PANEL, strict=True))[:4]:
        flag = "ignores_data_quality" if stage == "coding_round" else None
        bot.services.scorecards.submit(interview.id, bot.users[who], form(bot, stage, flag))
    return candidate, interviews


def summaries(bot, candidate) -> list[dict]:
    return [m for m in bot.emulator.history(candidate.channel_id) if "Debrief pre-read" in m.get("text", "")]


def test_the_pre_read_is_posted_once_an_hour_before_with_what_the_scorecards_say(hirebot):
    candidate, _ = loop_of_five(hirebot)
    hirebot.clock.set(at("2030-03-07 13:59"))
    hirebot.services.dispatcher.sweep()
    assert summaries(hirebot, candidate) == []  # all but one in, and still nothing early
    hirebot.clock.set(at("2030-03-07 14:00"))
    hirebot.services.dispatcher.sweep()
    hirebot.clock.set(at("2030-03-07 14:05"))
    hirebot.services.dispatcher.sweep()
    posted = summaries(hirebot, candidate)
    assert len(posted) == 1
    message = posted[0]
    assert message["text"].startswith(f"Debrief pre-read for {candidate.name}: 4 of 5 scorecards; ")
    assert message["text"].endswith("; 1 red flag; 0 disagreements; recommendations: 4 Yes")
    body = json.dumps(message["blocks"], ensure_ascii=False)
    assert "Tuned on the test set" in body and "Ignores data quality or leakage" in body
    assert f"<@{hirebot.users['nora']}> · Collaboration and communication" in body
    assert "Missing scorecards" in body and "Coverage gaps" not in body  # the four stages cover all nine
    with hirebot.services.db.transaction() as session:
        debrief = session.scalars(select(Debrief).where(Debrief.candidate_id == candidate.id)).one()
    assert debrief.summary_ts == message["ts"] and debrief.posted_at is not None


def test_the_pre_read_leads_with_unique_evidence_and_states_the_rule_as_advice(hirebot):
    candidate, _ = loop_of_five(hirebot)
    hirebot.services.debrief.post(candidate.id, hirebot.users["rita"])
    [message] = summaries(hirebot, candidate)
    texts = [b["text"]["text"] for b in message["blocks"] if b["type"] == "section"]
    omar = hirebot.users["omar"]
    # Only Omar raised the leakage flag: it is the first thing read after the headline.
    assert texts[1].startswith("*Only one person saw this*")
    assert (
        f"• <@{omar}> · Coding round · red flag *Ignores data quality or leakage*: “Tuned on the test set" in texts[1]
    )
    # Software engineering is rated in the coding round only; data pipelines in two stages.
    assert (
        f"<@{omar}> · Coding round · *Software engineering* rated 3: “Walked through software_engineering" in texts[1]
    )
    assert "*Data pipelines and data quality* rated" not in texts[1]
    [rule] = [n for n, t in enumerate(texts) if "*Decision rule*" in t]
    [tally] = [n for n, t in enumerate(texts) if t.startswith("*Recommendations*")]
    assert rule < tally == rule + 1
    assert texts[rule].startswith(
        f"*Decision rule* says *no hire* — blocking red flag “Ignores data quality or leakage” from <@{omar}>."
    )
    assert texts[rule].endswith("Advice for the panel, not a decision: the people in the debrief decide.")
    with hirebot.services.db.transaction() as session:
        assert session.get(Candidate, candidate.id).decision is None  # advice only: nothing was decided


def test_a_late_fifth_scorecard_updates_the_same_message(hirebot):
    candidate, interviews = loop_of_five(hirebot)
    hirebot.clock.set(at("2030-03-07 14:00"))
    hirebot.services.dispatcher.sweep()
    [first] = summaries(hirebot, candidate)
    hirebot.clock.set(at("2030-03-07 14:20"))
    hirebot.slack.click(hirebot.users["nora"], Action.OPEN_SCORECARD, str(interviews[4].id), channel="D0NORA")
    view = hirebot.slack.opened_view()
    pack = hirebot.services.rubrics.get("ml-engineer")
    values = {
        f"rating.{k}": {"type": "radio_buttons", "selected_option": {"value": "2"}}
        for k in pack.stage("collaboration_communication").competencies
    }
    values = {block: {f"{block}.value": v} for block, v in values.items()}
    values |= evidence_values(pack, "collaboration_communication")
    values |= form_values(
        **{
            Block.RECOMMENDATION: {"type": "radio_buttons", "selected_option": {"value": "no"}},
            Block.RED_FLAGS: {"type": "checkboxes", "selected_options": []},
            Block.NOTES: text(""),
        }
    )
    assert ack_json(hirebot.slack.submit(hirebot.users["nora"], view, values))["response_action"] == "update"
    hirebot.run_background()
    [after] = summaries(hirebot, candidate)
    assert after["ts"] == first["ts"]
    assert "5 of 5 scorecards" in after["text"]
    note = f"updated: +1 scorecard (Collaboration and communication, <@{hirebot.users['nora']}>)"
    assert note in after["text"]
    # The note's mention is built by hirebot, so the pre-read shows the person, not "&lt;@U…&gt;".
    contexts = [e["text"] for b in after["blocks"] if b["type"] == "context" for e in b["elements"]]
    assert f"_{note}_" in contexts
    updates = [u for u in hirebot.client.all("chat.update") if u["ts"] == first["ts"]]
    assert len(updates) == 1


def test_summary_on_demand_is_for_the_recruiter_and_hiring_manager_only(hirebot):
    candidate, _ = loop_of_five(hirebot)
    hirebot.run_background()  # what follows the set-up's own scorecards, so that what follows the command shows
    refused = ack_json(hirebot.slack.command(hirebot.users["priya"], "summary", channel=candidate.channel_id))
    assert "Only this loop's recruiter or hiring manager" in refused["text"]
    assert hirebot.run_background() == 0 and summaries(hirebot, candidate) == []
    accepted = ack_json(hirebot.slack.command(hirebot.users["hank"], "summary", channel=candidate.channel_id))
    assert "Posting the debrief pre-read" in accepted["text"]
    hirebot.run_background()
    assert len(summaries(hirebot, candidate)) == 1


def test_decide_records_the_decision_cancels_reminders_then_archive(hirebot):
    candidate, _ = loop_of_five(hirebot)
    hirebot.slack.command(hirebot.users["rita"], "decide", channel=candidate.channel_id)
    view = hirebot.slack.opened_view()
    assert view["callback_id"] == Callback.DECIDE
    # The rule is a reminder above the choice, and nothing is chosen for the person deciding.
    contexts = [e["text"] for b in view["blocks"] if b["type"] == "context" for e in b["elements"]]
    assert any(t.startswith("*Decision rule* says *no hire* — blocking red flag") for t in contexts)
    assert "initial_option" not in json.dumps(view["blocks"])
    empty = ack_json(
        hirebot.slack.submit(
            hirebot.users["rita"],
            view,
            form_values(
                **{Block.DECISION: {"type": "radio_buttons", "selected_option": None}, Block.RATIONALE: text("")}
            ),
        )
    )
    assert set(empty["errors"]) == {Block.DECISION, Block.RATIONALE}
    chosen = form_values(
        **{
            Block.DECISION: {"type": "radio_buttons", "selected_option": {"value": "hire"}},
            Block.RATIONALE: text("Strong on production ML; the leakage flag was discussed."),
        }
    )
    # Hire, where the rule says no hire: an override, refused inline until it says why.
    refused = ack_json(hirebot.slack.submit(hirebot.users["rita"], view, chosen))
    assert refused["errors"] == {Block.OVERRIDE: "The decision rule says no hire: say why the panel decides otherwise."}
    chosen |= form_values(**{Block.OVERRIDE: text("The flag was one <b>notebook</b> & an old habit.")})
    assert ack_json(hirebot.slack.submit(hirebot.users["rita"], view, chosen)) == {}
    hirebot.run_background()
    with hirebot.services.db.transaction() as session:
        loop = session.get(Candidate, candidate.id)
        assert (loop.status, loop.decision.value) == (LoopStatus.DECIDED, "hire")
        override = "The flag was one <b>notebook</b> & an old habit."
        assert (loop.rule_outcome, loop.override_reason) == ("no hire", override)
        assert (
            session.scalar(
                select(func.count())
                .select_from(Reminder)
                .where(Reminder.candidate_id == candidate.id, Reminder.status == ReminderStatus.PENDING)
            )
            == 0
        )
    decision = [m for m in hirebot.emulator.history(candidate.channel_id) if m["text"].startswith("Decision for")]
    assert len(decision) == 1 and Action.ARCHIVE in json.dumps(decision[0]["blocks"])
    shown = json.dumps(decision[0]["blocks"], ensure_ascii=False)
    assert "*Against the decision rule* (it said no hire) · override 1 of 1 decisions with this pack" in shown
    assert "&lt;b&gt;notebook&lt;/b&gt; &amp; an old habit" in shown

    hirebot.slack.click(hirebot.users["priya"], Action.ARCHIVE, str(candidate.id), channel=candidate.channel_id)
    hirebot.run_background()
    assert hirebot.emulator.channel(candidate.channel_id)["is_archived"] is False  # an interviewer may not
    hirebot.slack.click(hirebot.users["rita"], Action.ARCHIVE, str(candidate.id), channel=candidate.channel_id)
    hirebot.run_background()
    assert hirebot.emulator.channel(candidate.channel_id)["is_archived"] is True


def test_export_then_purge(hirebot, monkeypatch, tmp_path, capsys):
    candidate, _ = loop_of_five(hirebot)
    # The fixture builds tables from the models; the CLI wants to see them at Alembic's head.
    command.stamp(alembic_config(hirebot.services.settings.database_url), "head")
    monkeypatch.setenv("DATABASE_URL", hirebot.services.settings.database_url)
    monkeypatch.chdir(tmp_path)
    assert cli(["purge", "--candidate", str(candidate.id), "--yes"]) == 2  # not before a decision
    assert "decided" in capsys.readouterr().err

    hirebot.services.debrief.decide(candidate.id, hirebot.users["rita"], "no_hire", "Not yet senior enough.")
    out = tmp_path / "loop.json"
    assert cli(["export", "--candidate", str(candidate.id), "--out", str(out)]) == 0
    exported = json.loads(out.read_text())
    assert exported["decision"]["decision"] == "no_hire" and exported["candidate"]["name"] == candidate.name
    cards = [i["scorecard"] for i in exported["interviews"] if i["scorecard"]]
    assert len(cards) == 4 and cards[0]["rubric"] == "ml-engineer@1"
    assert any(f["evidence"].startswith("Tuned on the test set") for c in cards for f in c["red_flags"])

    assert cli(["purge", "--candidate", str(candidate.id), "--yes"]) == 0
    with hirebot.services.db.transaction() as session:
        loop = session.get(Candidate, candidate.id)
        assert (loop.name, loop.status, loop.resume_url) == ("(purged)", LoopStatus.PURGED, None)
        assert session.scalar(select(func.count()).select_from(Scorecard)) == 0
        assert (
            session.scalar(select(func.count()).select_from(Interview).where(Interview.candidate_id == candidate.id))
            == 0
        )
        audit = session.scalars(select(AuditEvent).where(AuditEvent.candidate_id == candidate.id)).all()
    assert [(a.action, a.actor_id) for a in audit] == [("loop.purged", None)]
    assert cli(["export", "--candidate", str(candidate.id)]) == 2


def test_a_late_scorecard_submitted_twice_edits_the_pre_read_once(hirebot):
    candidate, interviews = loop_of_five(hirebot)
    hirebot.clock.set(at("2030-03-07 14:00"))
    hirebot.services.dispatcher.sweep()
    [first] = summaries(hirebot, candidate)
    hirebot.clock.set(at("2030-03-07 14:20"))
    hirebot.slack.click(hirebot.users["nora"], Action.OPEN_SCORECARD, str(interviews[4].id), channel="D0NORA")
    view = hirebot.slack.opened_view()
    pack = hirebot.services.rubrics.get("ml-engineer")
    values = {
        f"rating.{k}": {f"rating.{k}.value": {"type": "radio_buttons", "selected_option": {"value": "3"}}}
        for k in pack.stage("collaboration_communication").competencies
    }
    values |= evidence_values(pack, "collaboration_communication")
    values |= form_values(
        **{
            Block.RECOMMENDATION: {"type": "radio_buttons", "selected_option": {"value": "yes"}},
            Block.RED_FLAGS: {"type": "checkboxes", "selected_options": []},
            Block.NOTES: text(""),
        }
    )
    # A double click whose second request lands after the first one's refresh has run.
    for _ in range(2):
        hirebot.slack.submit(hirebot.users["nora"], view, values)
        hirebot.run_background()
    assert len([u for u in hirebot.client.all("chat.update") if u["ts"] == first["ts"]]) == 1
    [after] = summaries(hirebot, candidate)
    assert "updated: +1 scorecard" in after["text"]  # a second edit would have dropped this line
    # A refresh with nothing new (a retried job) leaves the posting alone too.
    hirebot.services.debrief.refresh_if_posted(candidate.id)
    assert len([u for u in hirebot.client.all("chat.update") if u["ts"] == first["ts"]]) == 1
