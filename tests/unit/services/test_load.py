"""Weekly caps (the workspace's, or a person's own lower one) and the load report's numbers."""

from __future__ import annotations

from datetime import date

import pytest

from bot import load_report
from bot.config import ConfigError, load_settings
from bot.errors import InvalidInput
from bot.fields import Field
from bot.services.load import caps, iso_week, week_start
from bot.services.people import HoursForm
from tests.support.domain import at, new_loop, plan
from tests.support.fakes import MANAGER, OMAR, PRIYA, RECRUITER, FakeWorld, MutableClock, fake_services, unit_settings

WEEKDAYS = ["0", "1", "2", "3", "4"]


def hours(cap: str) -> HoursForm:
    return HoursForm("09:00", "18:00", WEEKDAYS, "", weekly_cap=cap)


def test_a_week_starts_on_monday_midnight_in_the_workspace_zone() -> None:
    monday = week_start(at("2030-03-10 23:30"), "Europe/London")  # a Sunday night
    assert (monday.date(), monday.hour, iso_week(monday)) == (date(2030, 3, 4), 0, "2030-W10")
    # Sunday 23:30 in London is already Monday in Tokyo.
    assert week_start(at("2030-03-10 23:30"), "Asia/Tokyo").date() == date(2030, 3, 11)


def test_a_person_can_only_lower_their_cap(world: FakeWorld) -> None:
    people = world.services.loops.people
    for typed in ("5", "0", "-1", "two", "4.5", "99999"):
        with pytest.raises(InvalidInput) as caught:
            people.validate(hours(typed))
        assert set(caught.value.errors) == {Field.WEEKLY_CAP}
        assert "from 1 to 4" in caught.value.errors[Field.WEEKLY_CAP]
    world.services.loops.save_hours(PRIYA, hours("2"))
    world.services.loops.save_hours(OMAR, hours("4"))  # the workspace's: stored as following it
    assert (people.summary(PRIYA).cap, people.summary(PRIYA).own_cap) == (2, True)
    assert (people.summary(OMAR).cap, people.summary(OMAR).own_cap) == (4, False)
    assert people.summary(MANAGER).cap == 4
    world.services.loops.save_hours(PRIYA, hours(""))  # empty: back to the workspace's
    assert people.summary(PRIYA).own_cap is False


def test_a_cap_above_a_later_lowered_workspace_cap_is_held_to_the_workspace(world: FakeWorld) -> None:
    world.services.loops.save_hours(PRIYA, hours("3"))
    with world.db.transaction() as session:
        assert caps(session, [PRIYA, OMAR], 4) == {PRIYA: 3, OMAR: 4}
        assert caps(session, [PRIYA, OMAR], 2) == {PRIYA: 2, OMAR: 2}
        assert caps(session, [], 4) == {}


@pytest.mark.parametrize("value", ["0", "41", "four"])
def test_the_workspace_cap_is_checked_at_start(value: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(_env_file=None, HIREBOT_WEEKLY_CAP=value)
    message = str(caught.value)
    assert message.startswith("HIREBOT_WEEKLY_CAP is invalid:") and "\n" not in message


def test_the_load_report_counts_each_iso_week_against_each_cap() -> None:
    world = fake_services(MutableClock(at("2030-03-04 09:00")), unit_settings(HIREBOT_WEEKLY_CAP="2"))
    loops = world.services.loops
    loops.save_hours(OMAR, hours("1"))
    candidate = new_loop(world)
    for stage, who, when in (
        ("recruiter_screen", PRIYA, "2030-02-26 10:00"),
        ("coding_round", PRIYA, "2030-03-04 10:00"),
        ("ml_system_design", PRIYA, "2030-03-05 10:00"),
        ("model_deep_dive", PRIYA, "2030-03-10 23:30"),  # Sunday night: still week 10
        ("collaboration_communication", OMAR, "2030-03-06 10:00"),
        ("hiring_manager_close", OMAR, "2030-03-07 10:00"),
    ):
        loops.add_interview(candidate, plan(stage=stage, who=who, when=when), RECRUITER)
    extra = plan(stage="coding_round", who=OMAR, when="2030-03-08 10:00")
    cancelled = loops.add_interview(candidate, extra, RECRUITER)
    loops.cancel_interview(cancelled, RECRUITER)
    world.clock.set(at("2030-03-06 12:00"))

    report = world.services.load.report(world.clock(), weeks=2)

    assert report.weeks == ["2030-W09", "2030-W10"]
    assert [(r.user_id, r.week, r.interviews, r.cap, r.over) for r in report.rows] == [
        (PRIYA, "2030-W09", 1, 2, False),
        (OMAR, "2030-W10", 2, 1, True),
        (PRIYA, "2030-W10", 3, 2, True),
    ]
    assert [(r.user_id, r.week) for r in report.over] == [(OMAR, "2030-W10"), (PRIYA, "2030-W10")]
    table = load_report.render(report, "table")
    assert f"{OMAR}         -     2/1 !\n{PRIYA}       1/2     3/2 !" in table
    assert f"Over their cap (!): {OMAR} in 2030-W10 (2/1), {PRIYA} in 2030-W10 (3/2)" in table
    assert load_report.render(report, "csv").splitlines()[0:2] == [
        "person,week,week_start,interviews,cap,over_cap",
        f"{PRIYA},2030-W09,2030-02-25,1,2,no",
    ]
    with pytest.raises(ValueError):
        world.services.load.report(world.clock(), weeks=0)
