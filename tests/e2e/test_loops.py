"""Loops end to end: `/hire new` to a private channel with its team and pinned card, then
interviews added, rescheduled and cancelled, debrief set, and status shown."""

from __future__ import annotations

import json
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from db.models import Candidate, Interview, InterviewStatus, Reminder, ReminderStatus
from handlers.ids import Action, Block, Callback
from tests.support.loops import _names, add_interview, new_loop_values, open_loop, unique_name
from tests.support.slack import ack_json, clock_time, date, form_values, number, text, user
from tests.support.slack import select as pick


def test_new_opens_the_modal_before_any_database_work(hirebot):
    reply = ack_json(hirebot.slack.command(hirebot.users["rita"], "new"))
    assert reply == {}
    assert hirebot.client.methods() == ["views.open"]
    view = hirebot.slack.opened_view()
    blocks = {b.get("block_id") for b in view["blocks"]}
    assert {
        Block.CANDIDATE_NAME,
        Block.PACK,
        Block.PROFILE,
        Block.RECRUITER,
        Block.HIRING_MANAGER,
        Block.TEAM,
        Block.RESUME_URL,
    } <= blocks
    recruiter = next(b for b in view["blocks"] if b.get("block_id") == Block.RECRUITER)
    assert recruiter["element"]["initial_user"] == hirebot.users["rita"]
    with hirebot.services.db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(Candidate)) == 0


def test_a_loop_opens_a_private_channel_with_the_team_and_a_pinned_card(hirebot):
    name = unique_name("Priya")
    candidate = open_loop(hirebot, name)
    emulator = hirebot.emulator

    channel = emulator.channel(candidate.channel_id)
    assert channel["is_private"] is True
    assert channel["name"] == f"hire-{name.split()[0].lower()}-t-ml-engineer"
    assert len(channel["topic"]["value"]) <= 250 and "Machine Learning Engineer" in channel["topic"]["value"]
    assert len(channel["purpose"]["value"]) <= 250

    members = set(emulator.members(candidate.channel_id))
    assert {hirebot.users[h] for h in ("rita", "hank", "priya", "omar")} <= members

    bookmark = hirebot.client.last("bookmarks.add")[0]
    assert bookmark["link"] == "https://ats.example.com/candidates/42"

    pinned = emulator.post("pins.list", channel=candidate.channel_id)["items"]
    assert [p["message"]["ts"] for p in pinned] == [candidate.card_ts]
    card = pinned[0]["message"]
    assert name in card["text"]
    buttons = [e["action_id"] for b in card["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert buttons == [Action.ADD_INTERVIEW, Action.SET_DEBRIEF, Action.STATUS]
    assert candidate.problems == []


def test_name_taken_gets_a_suffix(hirebot):
    name = unique_name("Omar")
    first = open_loop(hirebot, name)
    second = open_loop(hirebot, name.replace("Tester", "Taylor"))  # same first name and initial
    assert second.channel_name == first.channel_name + "-2"
    assert hirebot.emulator.channel(second.channel_id)["is_private"] is True


def test_a_name_made_of_emoji_gets_a_safe_channel_name(hirebot):
    candidate = open_loop(hirebot, f"🚀🔥 {'✨' * next(_names)}")
    assert candidate.channel_name.startswith("hire-candidate-ml-engineer")
    assert hirebot.emulator.channel(candidate.channel_id)["name"] == candidate.channel_name


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        (Block.CANDIDATE_NAME, text("   "), "Enter the candidate's name."),
        (Block.HIRING_MANAGER, user("U0DEACTIVATED"), "deactivated or was not found"),
        (Block.RESUME_URL, text("ats/42"), "https://"),
    ],
)
def test_invalid_new_loop_input_is_answered_inline(hirebot, field, value, message):
    hirebot.slack.command(hirebot.users["rita"], "new")
    view = hirebot.slack.opened_view()
    reply = ack_json(
        hirebot.slack.submit(hirebot.users["rita"], view, new_loop_values(hirebot, unique_name(), **{field: value}))
    )
    assert reply["response_action"] == "errors"
    assert message in reply["errors"][field]
    assert hirebot.run_background() == 0
    assert "conversations.create" not in hirebot.client.methods()


def test_a_non_recruiter_submitting_a_forged_new_loop_view_is_refused(hirebot):
    hirebot.slack.command(hirebot.users["rita"], "new")
    view = hirebot.slack.opened_view()
    reply = ack_json(hirebot.slack.submit(hirebot.users["nora"], view, new_loop_values(hirebot, unique_name())))
    assert reply["response_action"] == "errors"
    assert "Only recruiters" in reply["errors"][Block.CANDIDATE_NAME]
    assert hirebot.run_background() == 0


def test_channel_creation_refused_for_good_leaves_no_orphan_loop(hirebot, monkeypatch):
    from bot.errors import SlackSetupError

    def refuse(name: str) -> str:
        raise SlackSetupError("conversations.create", "restricted_action")

    monkeypatch.setattr(hirebot.services.slack, "create_private_channel", refuse)
    hirebot.slack.command(hirebot.users["rita"], "new", channel="C0HIRING")
    view = hirebot.slack.opened_view()
    hirebot.slack.submit(hirebot.users["rita"], view, new_loop_values(hirebot, unique_name()))
    hirebot.run_background()
    with hirebot.services.db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(Candidate)) == 0
    # The bot is in no channel called C0HIRING: the explanation answers the `/hire new` itself.
    [told] = hirebot.slack.replies()
    assert "workspace policy" in told["text"] and "restricted_action" in told["text"]
    assert not {"chat.postEphemeral", "chat.postMessage"} & set(hirebot.client.methods())


def test_a_failed_invite_is_shown_on_the_card_and_a_retry_fixes_it(hirebot, monkeypatch):
    from bot.errors import SlackTargetGone

    real_invite = hirebot.services.slack.invite
    monkeypatch.setattr(
        hirebot.services.slack,
        "invite",
        lambda channel, people: (_ for _ in ()).throw(SlackTargetGone("conversations.invite", "cant_invite")),
    )
    candidate = open_loop(hirebot)
    assert candidate.problems == ["invite: cant_invite"]
    card = next(m for m in hirebot.client.all("chat.postMessage") if m["channel"] == candidate.channel_id)
    assert "cant_invite" in json.dumps(card["blocks"])

    monkeypatch.setattr(hirebot.services.slack, "invite", real_invite)
    hirebot.slack.click(hirebot.users["rita"], Action.RETRY_SETUP, str(candidate.id), channel=candidate.channel_id)
    hirebot.run_background()
    with hirebot.services.db.transaction() as session:
        assert session.get(Candidate, candidate.id).problems == []
    assert hirebot.users["priya"] in hirebot.emulator.members(candidate.channel_id)
    assert "Problems" not in json.dumps(hirebot.client.last("chat.update")[0]["blocks"])


def test_adding_interviews_updates_the_same_card_and_invites_the_interviewer(hirebot):
    candidate = open_loop(hirebot)
    posts_before = len(hirebot.client.all("chat.postMessage"))
    add_interview(hirebot, candidate, "coding_round", "mei", "2030-03-04", "10:00")
    add_interview(hirebot, candidate, "ml_system_design", "lars", "2030-03-05", "14:30", minutes=90, via_command=True)

    assert len(hirebot.client.all("chat.postMessage")) == posts_before  # edited in place, never reposted
    updates = [u for u in hirebot.client.all("chat.update") if u["ts"] == candidate.card_ts]
    card_text = json.dumps(updates[-1]["blocks"])
    assert "Coding round" in card_text and "ML system design" in card_text
    assert hirebot.users["mei"] in card_text and hirebot.users["lars"] in card_text
    members = set(hirebot.emulator.members(candidate.channel_id))
    assert {hirebot.users["mei"], hirebot.users["lars"]} <= members

    with hirebot.services.db.transaction() as session:
        interviews = session.scalars(
            select(Interview).where(Interview.candidate_id == candidate.id).order_by(Interview.starts_at)
        ).all()
        london = ZoneInfo("Europe/London")
        assert [
            (i.stage_key, i.starts_at.astimezone(london).strftime("%Y-%m-%d %H:%M"), i.duration_minutes)
            for i in interviews
        ] == [("coding_round", "2030-03-04 10:00", 60), ("ml_system_design", "2030-03-05 14:30", 90)]
        reminders = session.scalars(select(Reminder).where(Reminder.interview_id == interviews[0].id)).all()
        kinds = {"prep_kit", "scorecard_due", "chaser", "escalation", "invite"}  # the invite: its calendar file
        assert {r.kind.value for r in reminders} == kinds


def test_an_interview_in_the_past_is_accepted_and_due_at_once(hirebot):
    candidate = open_loop(hirebot)
    yesterday = (hirebot.clock() - timedelta(days=1)).astimezone(ZoneInfo("Europe/London"))
    reply = add_interview(hirebot, candidate, "coding_round", "priya", yesterday.strftime("%Y-%m-%d"), "10:00")
    assert reply == {}
    status = ack_json(hirebot.slack.command(hirebot.users["priya"], "status", channel="D0PRIYA"))
    assert "You have 1 scorecard to submit" in status["text"]
    button = json.dumps(status["blocks"])
    assert Action.OPEN_SCORECARD in button


def test_invalid_interview_input_is_answered_inline(hirebot):
    candidate = open_loop(hirebot)
    hirebot.slack.click(hirebot.users["rita"], Action.ADD_INTERVIEW, str(candidate.id), channel=candidate.channel_id)
    view = hirebot.slack.opened_view()
    values = form_values(
        **{
            Block.STAGE: pick("not_a_stage"),
            Block.INTERVIEWER: user(hirebot.users["mei"]),
            Block.START_DATE: date(None),
            Block.START_TIME: clock_time("10:00"),
            Block.DURATION: number(5),
        }
    )
    reply = ack_json(hirebot.slack.submit(hirebot.users["rita"], view, values))
    assert reply["response_action"] == "errors"
    assert set(reply["errors"]) == {Block.STAGE, Block.START_DATE, Block.DURATION}
    assert hirebot.run_background() == 0


def test_only_the_recruiter_or_hiring_manager_can_change_the_plan(hirebot):
    candidate = open_loop(hirebot)
    before = len(hirebot.client.all("views.open"))
    reply = ack_json(hirebot.slack.command(hirebot.users["priya"], "schedule", channel=candidate.channel_id))
    assert "Only this loop's recruiter" in reply["text"]
    assert len(hirebot.client.all("views.open")) == before
    # The hiring manager may.
    add_interview(hirebot, candidate, "coding_round", "mei", "2030-03-04", "10:00", actor="hank")
    with hirebot.services.db.transaction() as session:
        assert (
            session.scalar(select(func.count()).select_from(Interview).where(Interview.candidate_id == candidate.id))
            == 1
        )


def test_schedule_outside_a_candidate_channel_says_where_to_run_it(hirebot):
    reply = ack_json(hirebot.slack.command(hirebot.users["rita"], "schedule", channel="C0GENERAL"))
    assert "inside a candidate's channel" in reply["text"]


def test_reschedule_and_cancel_from_the_status_view_move_and_cancel_reminders(hirebot):
    candidate = open_loop(hirebot)
    add_interview(hirebot, candidate, "coding_round", "mei", "2030-03-04", "10:00")
    with hirebot.services.db.transaction() as session:
        interview = session.scalars(select(Interview).where(Interview.candidate_id == candidate.id)).one()

    status = ack_json(hirebot.slack.command(hirebot.users["rita"], "status", channel=candidate.channel_id))
    menu = next(b["accessory"] for b in status["blocks"] if b.get("accessory", {}).get("type") == "overflow")
    assert {o["value"] for o in menu["options"]} == {
        f"reschedule:{interview.id}",
        f"trainee:{interview.id}",
        f"cancel:{interview.id}",
    }

    hirebot.slack.click(
        hirebot.users["rita"],
        Action.INTERVIEW_MENU,
        channel=candidate.channel_id,
        selected=f"reschedule:{interview.id}",
    )
    view = hirebot.slack.opened_view()
    assert view["callback_id"] == Callback.EDIT_INTERVIEW
    values = form_values(
        **{
            Block.STAGE: pick("coding_round"),
            Block.INTERVIEWER: user(hirebot.users["mei"]),
            Block.START_DATE: date("2030-03-06"),
            Block.START_TIME: clock_time("09:00"),
            Block.DURATION: number(60),
        }
    )
    assert ack_json(hirebot.slack.submit(hirebot.users["rita"], view, values)) == {}
    hirebot.run_background()
    with hirebot.services.db.transaction() as session:
        pending = session.scalars(
            select(Reminder).where(Reminder.interview_id == interview.id, Reminder.status == ReminderStatus.PENDING)
        ).all()
        due = {r.kind.value: r.due_at.astimezone(ZoneInfo("Europe/London")).strftime("%d %H:%M") for r in pending}
    # 6 March 2030 is a Wednesday: the escalation comes two working days after the end, on Friday.
    assert due == {"prep_kit": "06 08:30", "scorecard_due": "06 10:00", "chaser": "06 11:00", "escalation": "08 10:00"}

    hirebot.slack.click(
        hirebot.users["rita"], Action.INTERVIEW_MENU, channel=candidate.channel_id, selected=f"cancel:{interview.id}"
    )
    hirebot.run_background()  # the cancellation's calendar file goes out
    with hirebot.services.db.transaction() as session:
        assert session.get(Interview, interview.id).status is InterviewStatus.CANCELLED
        assert (
            session.scalar(
                select(func.count())
                .select_from(Reminder)
                .where(Reminder.interview_id == interview.id, Reminder.status == ReminderStatus.PENDING)
            )
            == 0
        )


def test_debrief_time_is_recorded_and_shown_on_the_card(hirebot):
    candidate = open_loop(hirebot)
    hirebot.slack.click(hirebot.users["rita"], Action.SET_DEBRIEF, str(candidate.id), channel=candidate.channel_id)
    view = hirebot.slack.opened_view()
    assert view["callback_id"] == Callback.SET_DEBRIEF
    values = form_values(**{Block.DEBRIEF_DATE: date("2030-03-10"), Block.DEBRIEF_TIME: clock_time("16:00")})
    assert ack_json(hirebot.slack.submit(hirebot.users["rita"], view, values)) == {}
    hirebot.run_background()
    card = hirebot.client.last("chat.update")[0]
    assert "Debrief" in json.dumps(card["blocks"]) and "not set" not in json.dumps(card["blocks"])

    past = form_values(**{Block.DEBRIEF_DATE: date("2001-01-01"), Block.DEBRIEF_TIME: clock_time("16:00")})
    reply = ack_json(hirebot.slack.submit(hirebot.users["rita"], view, past))
    assert reply["errors"] == {Block.DEBRIEF_DATE: "Pick a time in the future."}


def test_status_in_a_channel_shows_who_submitted_never_what(hirebot):
    candidate = open_loop(hirebot)
    add_interview(hirebot, candidate, "coding_round", "mei", "2030-03-04", "10:00")
    reply = ack_json(hirebot.slack.command(hirebot.users["hank"], "status", channel=candidate.channel_id))
    assert "0 of 1 scorecard in" in reply["text"]
    body = json.dumps(reply["blocks"])
    assert "week target" in body and "Coding round" in body


def test_app_home_shows_the_personal_view(hirebot):
    candidate = open_loop(hirebot)
    add_interview(hirebot, candidate, "coding_round", "omar", "2030-03-04", "10:00")
    # Omar's Home, and the recruiter's (its dashboard counts the new interview).
    published = {args["user_id"]: args for args in hirebot.client.all("views.publish")}
    assert set(published) == {hirebot.users["omar"], hirebot.users["rita"]}
    assert candidate.name in json.dumps(published[hirebot.users["omar"]]["view"])
    hirebot.slack.event(
        {"type": "app_home_opened", "user": hirebot.users["omar"], "tab": "home", "channel": "D0OMAR", "event_ts": "1"}
    )
    hirebot.run_background()
    assert hirebot.client.last("views.publish")[0]["view"]["type"] == "home"


def test_interview_times_are_read_in_the_interviewers_own_time_zone(hirebot, monkeypatch):
    from bot.slack_gateway import SlackUser

    real = hirebot.services.slack.user_info

    def with_zone(user_id: str) -> SlackUser:
        user = real(user_id)
        # The emulator's users.info has no `tz`; real Slack's does.
        return SlackUser(
            user.id,
            user.name,
            user.real_name,
            "America/New_York" if user_id == hirebot.users["mei"] else None,
            user.deleted,
            user.is_bot,
        )

    monkeypatch.setattr(hirebot.services.slack, "user_info", with_zone)
    candidate = open_loop(hirebot)
    add_interview(hirebot, candidate, "coding_round", "mei", "2030-03-04", "10:00")
    with hirebot.services.db.transaction() as session:
        interview = session.scalars(select(Interview).where(Interview.candidate_id == candidate.id)).one()
    assert interview.timezone == "America/New_York"
    assert interview.starts_at.astimezone(ZoneInfo("America/New_York")).strftime("%H:%M") == "10:00"


def test_rescheduling_to_another_interviewer_invites_them(hirebot):
    candidate = open_loop(hirebot)
    add_interview(hirebot, candidate, "coding_round", "mei", "2030-03-04", "10:00")
    with hirebot.services.db.transaction() as session:
        interview = session.scalars(select(Interview).where(Interview.candidate_id == candidate.id)).one()
    hirebot.slack.click(
        hirebot.users["rita"],
        Action.INTERVIEW_MENU,
        channel=candidate.channel_id,
        selected=f"reschedule:{interview.id}",
    )
    view = hirebot.slack.opened_view()
    values = form_values(
        **{
            Block.STAGE: pick("coding_round"),
            Block.INTERVIEWER: user(hirebot.users["nora"]),
            Block.START_DATE: date("2030-03-04"),
            Block.START_TIME: clock_time("11:00"),
            Block.DURATION: number(60),
        }
    )
    hirebot.slack.submit(hirebot.users["rita"], view, values)
    hirebot.run_background()
    assert hirebot.users["nora"] in hirebot.emulator.members(candidate.channel_id)
    with hirebot.services.db.transaction() as session:
        reminders = session.scalars(
            select(Reminder).where(Reminder.interview_id == interview.id, Reminder.status == ReminderStatus.PENDING)
        ).all()
    assert {r.target_user_id for r in reminders if r.kind.value != "escalation"} == {hirebot.users["nora"]}


def test_picking_the_interviewer_shows_their_time_zone_in_the_modal(hirebot, monkeypatch):
    from bot.slack_gateway import SlackUser

    real = hirebot.services.slack.user_info
    monkeypatch.setattr(
        hirebot.services.slack,
        "user_info",
        lambda user_id: SlackUser(**{**real(user_id).__dict__, "tz": "Asia/Kolkata"}),
    )
    candidate = open_loop(hirebot)
    hirebot.slack.click(hirebot.users["rita"], Action.ADD_INTERVIEW, str(candidate.id), channel=candidate.channel_id)
    view = hirebot.slack.opened_view()
    hirebot.slack._interaction(
        {
            "type": "block_actions",
            "user": {"id": hirebot.users["rita"]},
            "trigger_id": hirebot.emulator.trigger_id(),
            "view": view,
            "container": {"type": "view", "view_id": view["id"]},
            "actions": [
                {
                    "action_id": f"{Block.INTERVIEWER}.value",
                    "block_id": Block.INTERVIEWER,
                    "type": "users_select",
                    "selected_user": hirebot.users["mei"],
                    "action_ts": "1",
                }
            ],
        }
    )
    args, response = hirebot.client.last("views.update")
    assert response["ok"] is True and args["hash"] == view["hash"]
    hint = next(b for b in args["view"]["blocks"] if b.get("block_id") == Block.START_TIME)["hint"]["text"]
    assert "In the interviewer's time zone: Asia/Kolkata." in hint
