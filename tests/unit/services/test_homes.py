"""Recruiters' Homes after a change: every recruiter's, read once; a Slack failure for one is cosmetic."""

from __future__ import annotations

from bot.errors import SlackTransientError
from bot.services.homes import DASHBOARD_SPACING_SECONDS, HOME_SPACING_SECONDS
from tests.support.domain import new_loop, plan
from tests.support.fakes import MutableClock, fake_services, unit_settings

RITA, ROSA = "U0RITA0001", "U0ROSA0001"
PRIYA, OMAR = "U0PRIYA001", "U0OMAR0001"


def test_one_recruiters_failed_publish_does_not_stop_the_others():
    world = fake_services(MutableClock(), unit_settings().model_copy(update={"recruiters": frozenset({RITA, ROSA})}))
    candidate_id = new_loop(world)
    world.services.background.drain()
    world.services.loops.add_interview(candidate_id, plan(), RITA)
    world.services.background.drain()
    before = len(world.slack.calls)
    world.slack.fail("publish_home", SlackTransientError("views.publish", "internal_error"), times=1)
    world.services.homes.refresh_dashboards()
    world.services.background.drain()  # the failure is logged, not raised
    tried = [c.args["user"] for c in world.slack.calls[before:] if c.method == "publish_home"]
    assert tried == [RITA, ROSA]  # Rita's failed; Rosa's was still published
    board = world.render.of("home")[-1]
    assert board.user_id == ROSA and board.dashboard is not None
    assert board.dashboard.open_loops[0].next_step.step.value == "interview"


def test_nobody_is_refreshed_when_there_are_no_recruiters():
    world = fake_services(MutableClock(), unit_settings().model_copy(update={"recruiters": frozenset()}))
    world.services.homes.refresh_dashboards()
    assert world.services.background.drain() == 0


def test_a_steady_stream_of_changes_republishes_recruiters_homes_once_per_spacing():
    world = fake_services(MutableClock(), unit_settings().model_copy(update={"recruiters": frozenset({RITA})}))
    background = world.services.background
    world.services.homes.refresh_dashboards()  # the first change after a quiet spell
    assert background.drain() == 1 and background.waits == []  # shows at once
    for _ in range(3):  # then two more changes in the same breath, while the next run waits
        world.services.homes.refresh_dashboards()
    assert len(background.waits) == 1  # one run waits for its spacing, however many asked
    assert 0 < background.waits[0] <= DASHBOARD_SPACING_SECONDS
    assert background.drain() == 1


def published_to(world, since: int) -> list[str]:
    return [c.args["user"] for c in world.slack.calls[since:] if c.method == "publish_home"]


def test_a_burst_of_changes_for_one_interviewer_publishes_their_home_at_once_and_once_more_after_the_spacing():
    world = fake_services(MutableClock(), unit_settings().model_copy(update={"recruiters": frozenset({RITA})}))
    background, homes = world.services.background, world.services.homes
    start = len(world.slack.calls)
    homes.follow_changes(PRIYA)  # the first change after a quiet spell
    assert background.drain() == 1 and background.waits == []
    assert published_to(world, start) == [PRIYA]
    for _ in range(4):  # four more scorecards of hers in the same breath
        homes.follow_changes(PRIYA)
    homes.follow_changes(OMAR)  # someone else's change waits for nobody's spacing
    assert len(background.waits) == 1 and 0 < background.waits[0] <= HOME_SPACING_SECONDS
    assert background.drain() == 2
    assert published_to(world, start) == [PRIYA, PRIYA, OMAR]
    assert len(background.waits) == 1


def test_a_followed_home_that_slack_refuses_is_tried_again_at_the_next_change():
    world = fake_services(MutableClock(), unit_settings())
    background, homes = world.services.background, world.services.homes
    world.slack.fail("publish_home", SlackTransientError("views.publish", "internal_error"), times=1)
    start = len(world.slack.calls)
    homes.follow_changes(PRIYA)
    background.drain()  # cosmetic: logged, not raised
    homes.follow_changes(PRIYA)
    background.drain()
    assert published_to(world, start) == [PRIYA, PRIYA]
