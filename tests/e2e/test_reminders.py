"""Reminders end to end, on a controlled clock: the cadence in the interviewer's working hours,
cancel on submit, snooze, digests, restarts, rate limits and permanent failures."""

from __future__ import annotations

import json
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from bot.errors import SlackRateLimited
from db.models import Interview, Reminder, ReminderKind, ReminderStatus
from handlers.ids import Action, Block
from tests.support.loops import add_interview, open_loop
from tests.support.reminders import at, dms_to, sweep_at
from tests.support.scorecards import coding_values, open_scorecard
from tests.support.slack import clock_time, date, form_values

LONDON = ZoneInfo("Europe/London")


def loop_with_interview(bot, start: str = "2030-03-06 14:00", who: str = "priya"):
    bot.clock.set(at("2030-03-04 09:00"))
    candidate = open_loop(bot)
    day, time = start.split()
    add_interview(bot, candidate, "coding_round", who, day, time)
    with bot.services.db.transaction() as session:
        interview = session.scalars(select(Interview).where(Interview.candidate_id == candidate.id)).one()
    return candidate, interview


def test_the_full_cadence_for_one_interview(hirebot):
    candidate, interview = loop_with_interview(hirebot)

    assert sweep_at(hirebot, "2030-03-06 13:20").sent == 0
    assert sweep_at(hirebot, "2030-03-06 13:31").sent == 1
    prep = dms_to(hirebot, "priya")[-1]
    assert prep["text"].startswith("Prep kit: Coding round")
    assert "Red flags to watch for" in json.dumps(prep["blocks"])

    assert sweep_at(hirebot, "2030-03-06 15:00").sent == 1
    due = dms_to(hirebot, "priya")[-1]
    assert Action.OPEN_SCORECARD in json.dumps(due["blocks"]) and Action.SNOOZE_2H in json.dumps(due["blocks"])

    assert sweep_at(hirebot, "2030-03-06 15:59").sent == 0
    assert sweep_at(hirebot, "2030-03-06 16:00").sent == 1  # the first chaser, end + 1 h
    assert "still missing" in dms_to(hirebot, "priya")[-1]["blocks"][0]["text"]["text"]

    sent_so_far = len(dms_to(hirebot, "priya"))
    assert sweep_at(hirebot, "2030-03-07 03:00").sent == 0  # never at night
    assert sweep_at(hirebot, "2030-03-07 09:29").sent == 0
    assert sweep_at(hirebot, "2030-03-07 09:30").sent == 1  # next working morning, 09:30 their time
    assert len(dms_to(hirebot, "priya")) == sent_so_far + 1

    # Two working days after the end (Friday 15:00), the recruiter hears of it, and so does the card.
    sweep_at(hirebot, "2030-03-08 09:30")
    assert sweep_at(hirebot, "2030-03-08 15:00").sent == 1
    escalation = dms_to(hirebot, "rita")[-1]
    assert "scorecard for" in json.dumps(escalation["blocks"]) and "is overdue" in json.dumps(escalation["blocks"])
    card = hirebot.client.last("chat.update")[0]
    assert "escalated to the recruiter" in json.dumps(card["blocks"])

    # The weekend is quiet; Monday 09:30 chases again.
    for moment in ("2030-03-09 09:30", "2030-03-10 12:00"):
        assert sweep_at(hirebot, moment).sent == 0
    assert sweep_at(hirebot, "2030-03-11 09:30").sent == 1


def test_a_late_evening_interview_waits_for_the_morning(hirebot):
    candidate, interview = loop_with_interview(hirebot, start="2030-03-06 17:00")
    sweep_at(hirebot, "2030-03-06 16:31")  # prep kit, which ignores working hours
    assert sweep_at(hirebot, "2030-03-06 18:00").sent == 0
    assert sweep_at(hirebot, "2030-03-06 19:00").sent == 0
    assert sweep_at(hirebot, "2030-03-07 03:00").sent == 0
    with hirebot.services.db.transaction() as session:
        due = session.scalar(
            select(Reminder.due_at).where(
                Reminder.interview_id == interview.id, Reminder.kind == ReminderKind.SCORECARD_DUE
            )
        )
    assert due.astimezone(LONDON) == at("2030-03-07 09:00")
    assert sweep_at(hirebot, "2030-03-07 09:00").sent == 1


def test_the_pre_debrief_nudge_reaches_whoever_is_still_missing(hirebot):
    candidate, interview = loop_with_interview(hirebot)
    hirebot.clock.set(at("2030-03-06 16:30"))
    hirebot.slack.click(hirebot.users["rita"], Action.SET_DEBRIEF, str(candidate.id), channel=candidate.channel_id)
    view = hirebot.slack.opened_view()
    hirebot.slack.submit(
        hirebot.users["rita"],
        view,
        form_values(**{Block.DEBRIEF_DATE: date("2030-03-12"), Block.DEBRIEF_TIME: clock_time("14:00")}),
    )
    hirebot.run_background()
    before = len(dms_to(hirebot, "priya"))
    stats = sweep_at(hirebot, "2030-03-12 11:00")
    nudges = [m for m in dms_to(hirebot, "priya")[before:] if "debrief is coming up" in json.dumps(m)]
    assert len(nudges) == 1, stats


def test_submitting_cancels_the_chasers(hirebot):
    candidate, interview = loop_with_interview(hirebot)
    sweep_at(hirebot, "2030-03-06 15:00")
    hirebot.clock.set(at("2030-03-06 15:20"))
    view = open_scorecard(hirebot, interview, "priya")
    hirebot.slack.submit(hirebot.users["priya"], view, coding_values())
    hirebot.run_background()  # the receipt goes out at once
    for moment in ("2030-03-06 16:00", "2030-03-07 09:30", "2030-03-08 15:00"):
        assert sweep_at(hirebot, moment).sent == 0
    with hirebot.services.db.transaction() as session:
        pending = session.scalar(
            select(func.count())
            .select_from(Reminder)
            .where(Reminder.interview_id == interview.id, Reminder.status == ReminderStatus.PENDING)
        )
    assert pending == 0
    # Snoozing the old due DM now says there is nothing to snooze, and plans nothing.
    due = next(m for m in dms_to(hirebot, "priya") if Action.SNOOZE_2H in json.dumps(m["blocks"]))
    value = next(e["value"] for b in due["blocks"] if b["type"] == "actions" for e in b["elements"])
    hirebot.slack.click(hirebot.users["priya"], Action.SNOOZE_2H, value, channel="D0PRIYA")
    assert "already in" in dms_to(hirebot, "priya")[-1]["text"]
    with hirebot.services.db.transaction() as session:
        assert (
            session.scalar(
                select(func.count())
                .select_from(Reminder)
                .where(Reminder.interview_id == interview.id, Reminder.status == ReminderStatus.PENDING)
            )
            == 0
        )


def test_snooze_moves_the_next_chaser(hirebot):
    candidate, interview = loop_with_interview(hirebot)
    sweep_at(hirebot, "2030-03-06 15:00")
    due = dms_to(hirebot, "priya")[-1]
    snooze = next(
        e for b in due["blocks"] if b["type"] == "actions" for e in b["elements"] if e["action_id"] == Action.SNOOZE_2H
    )
    hirebot.clock.set(at("2030-03-06 15:05"))
    hirebot.slack.click(hirebot.users["priya"], Action.SNOOZE_2H, snooze["value"], channel="D0PRIYA")
    with hirebot.services.db.transaction() as session:
        chaser = session.scalars(
            select(Reminder).where(
                Reminder.interview_id == interview.id,
                Reminder.kind == ReminderKind.CHASER,
                Reminder.status == ReminderStatus.PENDING,
            )
        ).one()
    assert chaser.due_at.astimezone(LONDON) == at("2030-03-06 17:05")
    assert sweep_at(hirebot, "2030-03-06 16:00").sent == 0
    assert sweep_at(hirebot, "2030-03-06 17:05").sent == 1

    # Someone else cannot snooze Priya's reminders.
    hirebot.slack.click(hirebot.users["omar"], Action.SNOOZE_TOMORROW, snooze["value"], channel="D0OMAR")
    assert "Only the person a reminder is for" in dms_to(hirebot, "omar")[-1]["text"]


def test_several_pending_scorecards_arrive_as_one_digest(hirebot):
    hirebot.clock.set(at("2030-03-04 09:00"))
    for _ in range(3):
        candidate = open_loop(hirebot)
        add_interview(hirebot, candidate, "coding_round", "mei", "2030-03-05", "10:00")
    before = len(dms_to(hirebot, "mei"))
    sweep_at(hirebot, "2030-03-05 11:05")  # prep kits expired, due notices and first chasers all due
    new = dms_to(hirebot, "mei")[before:]
    assert len(new) == 1
    assert new[0]["text"].startswith("Scorecards to submit:") and new[0]["text"].count("Coding round") == 3
    # ...and nothing more for 15 minutes, digest included.
    assert sweep_at(hirebot, "2030-03-05 11:10").sent == 0


def test_a_restart_mid_cadence_loses_nothing_and_repeats_nothing(hirebot):
    from bot.background import QueuedBackground
    from bot.bootstrap import build_services

    candidate, interview = loop_with_interview(hirebot)
    sweep_at(hirebot, "2030-03-06 13:31")
    sent = len(dms_to(hirebot, "priya"))
    # A new process: new services, the same database and Slack.
    restarted = build_services(
        hirebot.services.settings,
        slack=hirebot.services.slack,
        db=hirebot.services.db,
        clock=hirebot.clock,
        background=QueuedBackground,
    )
    hirebot.clock.set(at("2030-03-06 13:40"))
    assert restarted.dispatcher.sweep().sent == 0  # the prep kit stays sent
    # Down from 13:40 until the next morning: the due notice and the chaser collapse into one DM.
    hirebot.clock.set(at("2030-03-07 10:00"))
    stats = restarted.dispatcher.sweep()
    assert (stats.sent, stats.expired) == (1, 1)
    assert len(dms_to(hirebot, "priya")) == sent + 1
    assert "still missing" in dms_to(hirebot, "priya")[-1]["blocks"][0]["text"]["text"]


def test_a_429_is_waited_out_and_the_reminder_sent_once(hirebot, monkeypatch):
    candidate, interview = loop_with_interview(hirebot)
    real = hirebot.services.slack.post_message
    calls = {"n": 0}

    def limited(channel, text, blocks=None):
        calls["n"] += 1
        if calls["n"] == 1:
            raise SlackRateLimited("chat.postMessage", 45)
        return real(channel, text, blocks)

    monkeypatch.setattr(hirebot.services.slack, "post_message", limited)
    stats = sweep_at(hirebot, "2030-03-06 13:31")
    assert (stats.sent, stats.retried) == (0, 1)
    with hirebot.services.db.transaction() as session:
        row = session.scalars(
            select(Reminder).where(Reminder.interview_id == interview.id, Reminder.kind == ReminderKind.PREP_KIT)
        ).one()
    assert row.status is ReminderStatus.PENDING and row.due_at.astimezone(LONDON) == at("2030-03-06 13:31").replace(
        second=45
    )
    assert sweep_at(hirebot, "2030-03-06 13:31").sent == 0  # not before Retry-After
    hirebot.clock.set(at("2030-03-06 13:32"))
    assert hirebot.services.dispatcher.sweep().sent == 1
    assert len([m for m in dms_to(hirebot, "priya") if m["text"].startswith("Prep kit")]) == 1


def test_a_permanent_error_fails_the_row_and_shows_on_the_card(hirebot):
    hirebot.clock.set(at("2030-03-04 09:00"))
    candidate = open_loop(hirebot)
    hirebot.emulator.users["ghost"] = "U0NOSUCHUSER"
    add_interview(hirebot, candidate, "coding_round", "ghost", "2030-03-06", "14:00")
    stats = sweep_at(hirebot, "2030-03-06 13:31")
    assert stats.failed == 1
    with hirebot.services.db.transaction() as session:
        row = session.scalars(
            select(Reminder).where(Reminder.kind == ReminderKind.PREP_KIT, Reminder.target_user_id == "U0NOSUCHUSER")
        ).one()
    assert row.status is ReminderStatus.FAILED and row.last_error
    card = json.dumps(hirebot.client.last("chat.update")[0]["blocks"])
    assert "reminders:" in card and "U0NOSUCHUSER" in card


def test_slack_outages_back_off_then_fail_the_row_after_five_attempts(hirebot, monkeypatch, caplog):
    from bot.errors import SlackTransientError

    candidate, interview = loop_with_interview(hirebot)

    def down(channel, text, blocks=None):
        raise SlackTransientError("chat.postMessage", "http_503")

    monkeypatch.setattr(hirebot.services.slack, "post_message", down)
    moment = at("2030-03-06 13:31")
    delays = []
    for _ in range(5):
        hirebot.clock.set(moment)
        hirebot.services.dispatcher.sweep()
        with hirebot.services.db.transaction() as session:
            row = session.scalars(
                select(Reminder).where(Reminder.interview_id == interview.id, Reminder.kind == ReminderKind.PREP_KIT)
            ).one()
        if row.status is ReminderStatus.PENDING:
            delays.append((row.due_at - moment).total_seconds())
            moment = row.due_at
    assert delays == [60, 120, 240, 480]  # exponential backoff
    assert row.status is ReminderStatus.FAILED and row.attempts == 5 and row.last_error == "http_503"
    assert any("failed after 5 attempts" in r.message for r in caplog.records)


def test_the_cadence_follows_the_settings(hirebot):
    from bot.background import QueuedBackground
    from bot.bootstrap import build_services
    from bot.services.loops import InterviewPlan
    from tests.conftest import make_settings

    settings = make_settings(
        hirebot.emulator,
        hirebot.services.settings.database_url,
        HIREBOT_PREP_KIT_MINUTES=90,
        HIREBOT_FIRST_CHASER_MINUTES=30,
    )
    services = build_services(
        settings, slack=hirebot.services.slack, db=hirebot.services.db, clock=hirebot.clock, background=QueuedBackground
    )
    hirebot.clock.set(at("2030-03-04 09:00"))
    candidate_id = open_loop(hirebot).id
    interview_id = services.loops.add_interview(
        candidate_id,
        InterviewPlan("coding_round", hirebot.users["priya"], "2030-03-06", "14:00", 60),
        hirebot.users["rita"],
    )
    with services.db.transaction() as session:
        due = {
            r.kind.value: r.due_at.astimezone(LONDON).strftime("%H:%M")
            for r in session.scalars(select(Reminder).where(Reminder.interview_id == interview_id))
        }
    assert due["prep_kit"] == "12:30" and due["chaser"] == "15:30"


def test_the_due_dm_button_opens_that_interviews_scorecard(hirebot):
    candidate, interview = loop_with_interview(hirebot)
    sweep_at(hirebot, "2030-03-06 15:00")
    due = dms_to(hirebot, "priya")[-1]
    button = next(
        b["accessory"] for b in due["blocks"] if b.get("accessory", {}).get("action_id") == Action.OPEN_SCORECARD
    )
    hirebot.slack.click(hirebot.users["priya"], button["action_id"], button["value"], channel="D0PRIYA")
    view = hirebot.slack.opened_view()
    assert view["callback_id"] == "hirebot.scorecard"
    assert json.loads(view["private_metadata"]) == {"interview_id": interview.id}
    assert "Coding round" in view["blocks"][0]["text"]["text"]


def test_a_stage_removed_from_the_rubric_does_not_stop_the_sweep(hirebot):
    candidate, interview = loop_with_interview(hirebot)
    with hirebot.services.db.transaction() as session:
        session.get(Interview, interview.id).stage_key = "retired_stage"  # the YAML changed since
    stats = sweep_at(hirebot, "2030-03-06 13:31")
    assert stats.failed == 1  # no prep kit can be built for a stage the rubric no longer has
    assert sweep_at(hirebot, "2030-03-06 15:00").sent == 1  # ...but the scorecard is still chased
    assert "retired_stage" in dms_to(hirebot, "priya")[-1]["text"]


def test_a_receipt_lost_in_a_slack_outage_is_posted_once_slack_is_back(hirebot, monkeypatch):
    from bot.errors import SlackTransientError

    candidate, interview = loop_with_interview(hirebot)
    real = hirebot.services.slack.post_message

    def down(channel, text, blocks=None):
        raise SlackTransientError("chat.postMessage", "http_503")

    monkeypatch.setattr(hirebot.services.slack, "post_message", down)
    hirebot.clock.set(at("2030-03-06 15:20"))
    view = open_scorecard(hirebot, interview, "priya")
    hirebot.slack.submit(hirebot.users["priya"], view, coding_values())
    hirebot.run_background()
    monkeypatch.setattr(hirebot.services.slack, "post_message", real)

    def receipts() -> list[str]:
        history = hirebot.emulator.history(candidate.channel_id)
        return [m["text"] for m in history if "submitted the" in m.get("text", "")]

    assert receipts() == []
    sweep_at(hirebot, "2030-03-06 15:22")  # after the back-off
    sweep_at(hirebot, "2030-03-06 15:30")
    assert receipts() == [f"✅ <@{hirebot.users['priya']}> submitted the Coding round scorecard"]
