"""Chasers follow the configured working hours, whatever they are: two weeks on a controlled clock."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.background import QueuedBackground
from bot.bootstrap import build_services
from bot.services.loops import InterviewPlan
from db.models import Reminder, ReminderKind, ReminderStatus
from tests.conftest import make_settings
from tests.support.loops import open_loop

LONDON = ZoneInfo("Europe/London")
START = datetime(2030, 3, 6, 0, 0, tzinfo=LONDON)  # a Wednesday; no clock change for a month


@pytest.mark.parametrize(("opens", "closes"), [("10:00", "18:00"), ("07:00", "15:00")])
def test_two_weeks_of_chasers_each_sent_once_inside_the_hours(hirebot, opens: str, closes: str):
    settings = make_settings(
        hirebot.emulator,
        hirebot.services.settings.database_url,
        HIREBOT_WORKDAY_START=opens,
        HIREBOT_WORKDAY_END=closes,
    )
    services = build_services(
        settings, slack=hirebot.services.slack, db=hirebot.services.db, clock=hirebot.clock, background=QueuedBackground
    )
    hirebot.clock.set(START - timedelta(days=2))
    candidate_id = open_loop(hirebot).id
    priya = hirebot.users["priya"]
    interview_id = services.loops.add_interview(
        candidate_id, InterviewPlan("coding_round", priya, "2030-03-06", "12:00", 60), hirebot.users["rita"]
    )
    snoozed = False
    moment = START
    while moment < START + timedelta(days=14):
        hirebot.clock.set(moment)
        services.dispatcher.sweep()
        if not snoozed and _sent(services, interview_id, ReminderKind.CHASER):
            # "Snooze until tomorrow" on the first chaser must land inside tomorrow's hours too.
            chaser = _sent(services, interview_id, ReminderKind.CHASER)[0]
            until = services.scorecards.snooze(chaser.id, priya, until_tomorrow=True).astimezone(LONDON)
            assert until.date() == moment.date() + timedelta(days=1)
            assert time.fromisoformat(opens) <= until.time() < time.fromisoformat(closes)
            snoozed = True
        moment += timedelta(minutes=15)

    chasers = _sent(services, interview_id, ReminderKind.CHASER)
    days = Counter(c.sent_at.astimezone(LONDON).date() for c in chasers)
    working_days = {(START + timedelta(days=n)).date() for n in range(14) if (START + timedelta(days=n)).weekday() < 5}
    assert set(days) == working_days, sorted(days)  # the interview day (first chaser) and every one after
    assert set(days.values()) == {1}
    for chaser in chasers:
        local = chaser.sent_at.astimezone(LONDON).time()
        assert time.fromisoformat(opens) <= local < time.fromisoformat(closes), chaser.sent_at
    dms = [
        m
        for m in hirebot.client.all("chat.postMessage")
        if m["channel"] == priya and "still missing" in str(m.get("blocks"))
    ]
    assert len(dms) == len(chasers)


def _sent(services, interview_id: int, kind: ReminderKind) -> list[Reminder]:
    with services.db.transaction() as session:
        return list(
            session.scalars(
                select(Reminder)
                .where(
                    Reminder.interview_id == interview_id, Reminder.kind == kind, Reminder.status == ReminderStatus.SENT
                )
                .order_by(Reminder.sent_at)
            )
        )
