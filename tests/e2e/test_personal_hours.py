"""Holidays and personal working time, end to end on a controlled clock: public holidays,
a Sunday-Thursday week set in App Home, a personal calendar beating the workspace's, and
escalations in the recruiter's own zone."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.background import QueuedBackground
from bot.bootstrap import build_services
from bot.services.loops import InterviewPlan
from bot.services.people import HoursForm
from bot.slack_gateway import SlackUser
from db.models import Person, Reminder, ReminderKind, ReminderStatus
from handlers.ids import Action, Block, Callback
from tests.conftest import make_settings
from tests.support.loops import add_interview, open_loop
from tests.support.slack import ack_json, clock_time, form_values, text

LONDON = ZoneInfo("Europe/London")
LOS_ANGELES = ZoneInfo("America/Los_Angeles")


def at(moment: str, zone: ZoneInfo = LONDON) -> datetime:
    return datetime.strptime(moment, "%Y-%m-%d %H:%M").replace(tzinfo=zone)


def with_settings(bot, **extra):
    """The same Slack, database and clock, with other workspace settings."""
    settings = make_settings(bot.emulator, bot.services.settings.database_url, **extra)
    return build_services(
        settings, slack=bot.services.slack, db=bot.services.db, clock=bot.clock, background=QueuedBackground
    )


def interview_for(bot, services, day: str, time: str, who: str = "priya") -> int:
    candidate_id = open_loop(bot).id
    return services.loops.add_interview(
        candidate_id, InterviewPlan("coding_round", bot.users[who], day, time, 60), bot.users["rita"]
    )


def sweep_every_quarter(bot, services, start: datetime, end: datetime) -> None:
    moment = start
    while moment < end:
        bot.clock.set(moment)
        services.dispatcher.sweep()
        moment += timedelta(minutes=15)


def chaser_days(services, interview_id: int) -> list[date]:
    with services.db.transaction() as session:
        sent = session.scalars(
            select(Reminder.sent_at).where(
                Reminder.interview_id == interview_id,
                Reminder.kind == ReminderKind.CHASER,
                Reminder.status == ReminderStatus.SENT,
            )
        ).all()
    return sorted(moment.astimezone(LONDON).date() for moment in sent)


def test_a_chaser_due_on_a_public_holiday_goes_out_the_next_working_day(hirebot):
    services = with_settings(hirebot, HIREBOT_HOLIDAYS="GB")
    hirebot.clock.set(at("2030-12-20 09:00"))
    interview_id = interview_for(hirebot, services, "2030-12-24", "14:00")  # Tuesday, Christmas Eve

    sweep_every_quarter(hirebot, services, at("2030-12-24 15:00"), at("2030-12-27 12:00"))

    # Christmas Day and Boxing Day are bank holidays in England: Friday the 27th is the next working day.
    assert chaser_days(services, interview_id) == [date(2030, 12, 24), date(2030, 12, 27)]


def test_a_personal_calendar_of_none_beats_the_workspace_holidays(hirebot):
    services = with_settings(hirebot, HIREBOT_HOLIDAYS="GB")
    services.loops.save_hours(hirebot.users["priya"], HoursForm("09:00", "18:00", ["0", "1", "2", "3", "4"], "none"))
    hirebot.clock.set(at("2030-12-20 09:00"))
    interview_id = interview_for(hirebot, services, "2030-12-24", "14:00")

    sweep_every_quarter(hirebot, services, at("2030-12-24 15:00"), at("2030-12-26 12:00"))

    assert chaser_days(services, interview_id) == [date(2030, 12, 24), date(2030, 12, 25), date(2030, 12, 26)]


def set_hours_in_app_home(bot, who: str, values: dict) -> dict:
    bot.slack.click(bot.users[who], Action.MY_HOURS, "open")
    view = bot.slack.opened_view()
    assert view["callback_id"] == Callback.MY_HOURS
    return ack_json(bot.slack.submit(bot.users[who], view, values))


def hours_values(start: str, end: str, days: list[int], holidays: str) -> dict:
    checked = {"type": "checkboxes", "selected_options": [{"value": str(d)} for d in days]}
    return form_values(
        **{
            Block.HOURS_START: clock_time(start),
            Block.HOURS_END: clock_time(end),
            Block.HOURS_DAYS: checked,
            Block.HOURS_HOLIDAYS: text(holidays),
        }
    )


def test_my_working_hours_round_trip_in_app_home(hirebot):
    priya = hirebot.users["priya"]
    refused = set_hours_in_app_home(hirebot, "priya", hours_values("17:00", "09:00", [], "XX"))
    assert refused["response_action"] == "errors"
    assert set(refused["errors"]) == {Block.HOURS_END, Block.HOURS_DAYS, Block.HOURS_HOLIDAYS}
    assert hirebot.run_background() == 0
    with hirebot.services.db.transaction() as session:
        assert session.get(Person, priya) is None
    first = hirebot.slack.opened_view()  # following the workspace: its calendar is not pinned on save
    holidays_input = next(b for b in first["blocks"] if b["block_id"] == Block.HOURS_HOLIDAYS)
    assert "initial_value" not in holidays_input["element"]

    assert set_hours_in_app_home(hirebot, "priya", hours_values("08:00", "16:30", [6, 0, 1, 2, 3], "de-by")) == {}
    assert hirebot.run_background() == 1
    with hirebot.services.db.transaction() as session:
        stored = session.get_one(Person, priya)
        assert (stored.workday_start, stored.workday_end, stored.work_days, stored.holidays) == (
            "08:00",
            "16:30",
            "0,1,2,3,6",
            "DE-BY",
        )
    published = hirebot.client.last("views.publish")[0]
    assert published["user_id"] == priya
    shown = json.dumps(published["view"], ensure_ascii=False)
    assert "08:00–16:30 · Sun Mon Tue Wed Thu · public holidays: DE-BY" in shown

    # The modal opens again on what was stored.
    hirebot.slack.click(priya, Action.MY_HOURS, "open")
    reopened = json.dumps(hirebot.slack.opened_view())
    assert '"initial_time": "08:00"' in reopened and '"initial_value": "DE-BY"' in reopened


def test_a_sunday_to_thursday_interviewer_is_chased_on_sunday_not_friday(hirebot):
    week = hours_values("09:00", "18:00", [6, 0, 1, 2, 3], "")
    assert set_hours_in_app_home(hirebot, "priya", week) == {}
    assert hirebot.run_background() == 1
    hirebot.clock.set(at("2030-03-04 09:00"))
    candidate = open_loop(hirebot)
    add_interview(hirebot, candidate, "coding_round", "priya", "2030-03-07", "14:00")  # a Thursday
    with hirebot.services.db.transaction() as session:
        interview_id = session.scalars(
            select(Reminder.interview_id).where(Reminder.candidate_id == candidate.id)
        ).first()

    sweep_every_quarter(hirebot, hirebot.services, at("2030-03-07 15:00"), at("2030-03-11 12:00"))

    # Thursday's first chaser, then Sunday's and Monday's; Friday and Saturday are her weekend.
    assert chaser_days(hirebot.services, interview_id) == [date(2030, 3, 7), date(2030, 3, 10), date(2030, 3, 11)]


def test_an_escalation_lands_in_the_recruiters_own_hours_and_zone(hirebot, monkeypatch):
    rita = hirebot.users["rita"]
    real = hirebot.services.slack.user_info
    monkeypatch.setattr(
        hirebot.services.slack,
        "user_info",
        lambda user_id: SlackUser(
            **{**real(user_id).__dict__, "tz": "America/Los_Angeles" if user_id == rita else None}
        ),
    )
    hirebot.clock.set(at("2030-03-04 09:00"))
    candidate = open_loop(hirebot)
    add_interview(hirebot, candidate, "coding_round", "priya", "2030-03-06", "14:00")  # London, ends 15:00 Wed

    def escalations() -> list[dict]:
        return [
            m for m in hirebot.client.all("chat.postMessage") if m["channel"] == rita and "is overdue" in json.dumps(m)
        ]

    # Due Friday 15:00 London, which is 07:00 in Los Angeles: before the recruiter's day starts.
    for moment in ("2030-03-08 09:30", "2030-03-08 15:00", "2030-03-08 16:45"):
        hirebot.clock.set(at(moment))
        hirebot.services.dispatcher.sweep()
    assert escalations() == []
    hirebot.clock.set(at("2030-03-08 09:00", LOS_ANGELES))
    hirebot.services.dispatcher.sweep()
    assert len(escalations()) == 1
