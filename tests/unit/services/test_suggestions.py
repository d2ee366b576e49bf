"""Ranking interviewers for a stage (a pure function), and what the service feeds it: pool, loads,
caps, working hours and zones. Also the loop card's warnings for a pick outside the pool or cap."""

from __future__ import annotations

from datetime import UTC, datetime, time

import pytest

from bot.errors import SlackTransientError
from bot.services.people import HoursForm
from bot.services.pools import PoolKey
from bot.services.suggestions import Prospect, Slot, overlaps, rank
from bot.services.workhours import WorkingHours
from db.vocabulary import PoolRole
from tests.support.domain import at, new_loop, plan
from tests.support.fakes import MANAGER, OMAR, PRIYA, RECRUITER, FakeWorld

NINE_TO_FIVE = WorkingHours(time(9), time(17))
CODING = PoolKey("ml-engineer", "coding_round")


def prospect(user: str, week: int = 0, cap: int = 4, recent: int = 0, zone: str = "Europe/London") -> Prospect:
    return Prospect(user, week, cap, recent, zone, NINE_TO_FIVE)


SLOT = Slot(datetime(2030, 3, 6, 14, 0, tzinfo=UTC), 60)  # a Wednesday, 14:00 in London


def order(prospects: list[Prospect], slot: Slot | None = SLOT) -> list[str]:
    return [s.prospect.user_id for s in rank(prospects, slot)]


def test_under_the_cap_comes_before_fewest_recent_interviews() -> None:
    at_cap = prospect("UATCAP", week=4, cap=4, recent=0)
    busy = prospect("UBUSY", week=3, cap=4, recent=6)
    assert order([at_cap, busy]) == ["UBUSY", "UATCAP"]
    # A person's own lower cap counts the same way.
    assert order([prospect("ULOWCAP", week=1, cap=1), prospect("UOTHER", week=1, recent=3)]) == ["UOTHER", "ULOWCAP"]


def test_fewest_interviews_in_14_days_comes_before_time_zone_overlap() -> None:
    far = prospect("UTOKYO", recent=0, zone="Asia/Tokyo")  # 23:00 in Tokyo: no overlap
    near = prospect("ULONDON", recent=1)
    assert order([near, far]) == ["UTOKYO", "ULONDON"]


def test_overlap_breaks_a_tie_then_the_weeks_load_then_the_id() -> None:
    far = prospect("UA", zone="Asia/Tokyo")
    near = prospect("UB")
    assert order([far, near]) == ["UB", "UA"]
    assert order([prospect("UC", week=2), prospect("UD", week=1)]) == ["UD", "UC"]
    assert order([prospect("UF"), prospect("UE")]) == ["UE", "UF"]


def test_without_a_slot_overlap_is_unknown_and_does_not_rank() -> None:
    ranked = rank([prospect("UB", zone="Asia/Tokyo"), prospect("UA")], None)
    assert [s.prospect.user_id for s in ranked] == ["UA", "UB"]
    assert {s.overlaps for s in ranked} == {None}


@pytest.mark.parametrize(
    ("start", "minutes", "zone", "expected"),
    [
        ("2030-03-06 14:00", 60, "Europe/London", True),
        ("2030-03-06 16:30", 60, "Europe/London", True),  # half of it inside the day overlaps
        ("2030-03-06 17:00", 60, "Europe/London", False),  # starts as the day ends
        ("2030-03-06 08:00", 60, "Europe/London", False),  # ends as the day starts
        ("2030-03-09 14:00", 60, "Europe/London", False),  # a Saturday
        ("2030-03-06 09:00", 60, "America/New_York", False),  # 04:00-05:00 there
        ("2030-03-06 11:00", 60, "Asia/Kolkata", True),  # 16:30-17:30 there: the end of their day
        ("2030-03-06 12:00", 60, "Asia/Kolkata", False),  # 17:30 there: their day is over
    ],
)
def test_overlap_is_read_in_the_persons_own_zone_and_week(start: str, minutes: int, zone: str, expected: bool) -> None:
    """`at` reads London wall-clock times; the person's hours are 09:00-17:00 in their own zone."""
    assert overlaps(NINE_TO_FIVE, zone, Slot(at(start), minutes)) is expected


def test_overlap_follows_a_daylight_saving_change() -> None:
    # 13:30 UTC is 09:30 in New York once it moved to summer time (10 March 2030), 08:30 before.
    before, after = Slot(at("2030-03-08 13:30"), 20), Slot(at("2030-03-11 13:30"), 20)
    assert overlaps(NINE_TO_FIVE, "America/New_York", before) is False
    assert overlaps(NINE_TO_FIVE, "America/New_York", after) is True


def test_the_service_ranks_trained_members_only_with_their_real_loads_and_caps(world: FakeWorld) -> None:
    services = world.services
    services.pools.add(RECRUITER, CODING, [PRIYA, OMAR], PoolRole.TRAINED)
    services.pools.add(RECRUITER, CODING, [MANAGER], PoolRole.SHADOWING)
    world.slack.zones[OMAR] = "America/Los_Angeles"
    candidate = new_loop(world)
    # Priya interviewed last week: one in the last 14 days.
    world.clock.set(at("2030-02-25 09:00"))
    services.loops.add_interview(candidate, plan(stage="recruiter_screen", when="2030-02-27 10:00"), RECRUITER)
    world.clock.set(at("2030-03-04 09:00"))
    pack = services.rubrics.get("ml-engineer")

    found = services.suggestions.for_plan(pack, "coding_round", "2030-03-06", "14:00", 60, RECRUITER)

    assert found is not None and found.stage_name == "Coding round" and found.pool_size == 3
    assert [(s.prospect.user_id, s.prospect.recent, s.overlaps) for s in found.ranked] == [
        (OMAR, 0, False),  # 06:00 in Los Angeles, but no interviews in 14 days ranks first
        (PRIYA, 1, True),
    ]
    assert found.this_week and found.slot is not None and found.slot_zone == "Europe/London"
    assert services.suggestions.for_plan(pack, "", "", "", 60, RECRUITER) is None


def test_a_person_at_their_own_lower_cap_ranks_last(world: FakeWorld) -> None:
    services = world.services
    services.pools.add(RECRUITER, CODING, [PRIYA, OMAR], PoolRole.TRAINED)
    services.loops.save_hours(OMAR, HoursForm("09:00", "18:00", ["0", "1", "2", "3", "4"], "", weekly_cap="1"))
    candidate = new_loop(world)
    services.loops.add_interview(
        candidate, plan(stage="recruiter_screen", who=OMAR, when="2030-03-08 10:00"), RECRUITER
    )
    services.loops.add_interview(candidate, plan(stage="ml_system_design", when="2030-02-20 10:00"), RECRUITER)
    pack = services.rubrics.get("ml-engineer")

    found = services.suggestions.for_plan(pack, "coding_round", "2030-03-06", "14:00", 60, RECRUITER)

    assert found is not None
    assert [(s.prospect.user_id, s.prospect.week_count, s.prospect.cap, s.under_cap) for s in found.ranked] == [
        (PRIYA, 0, 4, True),
        (OMAR, 1, 1, False),
    ]


def test_an_unknown_profile_zone_falls_back_to_the_workspaces(world: FakeWorld) -> None:
    world.services.pools.add(RECRUITER, CODING, [PRIYA], PoolRole.TRAINED)
    world.slack.zones[PRIYA] = "Mars/Olympus_Mons"
    pack = world.services.rubrics.get("ml-engineer")
    found = world.services.suggestions.for_plan(pack, "coding_round", "2030-03-06", "14:00", 60, RECRUITER)
    assert found is not None and found.ranked[0].prospect.zone == "Europe/London"


def test_the_card_warns_of_a_pick_outside_the_pool_or_over_the_cap(world: FakeWorld) -> None:
    services = world.services
    candidate = new_loop(world)
    services.loops.add_interview(candidate, plan(who=OMAR, when="2030-03-05 10:00"), RECRUITER)
    # No pool kept for the stage yet: nobody is outside it.
    assert services.loops.channel.posted_card(candidate).warnings == []

    services.pools.add(RECRUITER, CODING, [PRIYA], PoolRole.TRAINED)
    services.loops.save_hours(PRIYA, HoursForm("09:00", "18:00", ["0", "1", "2", "3", "4"], "", weekly_cap="1"))
    services.loops.add_interview(candidate, plan(who=PRIYA, when="2030-03-06 10:00"), RECRUITER)
    assert [(w.outside_pool, w.over_cap) for w in services.loops.channel.posted_card(candidate).warnings] == [
        (True, False)
    ]
    services.loops.add_interview(candidate, plan(stage="ml_system_design", when="2030-03-07 10:00"), RECRUITER)
    warnings = services.loops.channel.posted_card(candidate).warnings
    assert [(w.outside_pool, w.over_cap, w.week_count, w.cap) for w in warnings] == [
        (True, False, 1, 4),  # Omar, not in the pool
        (False, True, 2, 1),  # Priya's two interviews that week, over her own cap of 1
        (False, True, 2, 1),  # her system design round: no pool for the stage, but over the cap
    ]


def test_suggestions_survive_slack_failing_to_give_a_zone(world: FakeWorld) -> None:
    world.services.pools.add(RECRUITER, CODING, [PRIYA, OMAR], PoolRole.TRAINED)
    world.slack.zones[OMAR] = "Asia/Tokyo"
    world.slack.fail("user_info", SlackTransientError("users.info", "internal_error"))
    pack = world.services.rubrics.get("ml-engineer")
    found = world.services.suggestions.for_plan(pack, "coding_round", "2030-03-06", "14:00", 60, RECRUITER)
    assert found is not None
    assert [(s.prospect.user_id, s.prospect.zone, s.overlaps) for s in found.ranked] == [
        (OMAR, "Europe/London", True),
        (PRIYA, "Europe/London", True),
    ]
