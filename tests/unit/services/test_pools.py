"""Interviewer pools: membership kept by recruiters, and interviews counted per person in a window."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.errors import InvalidInput, NotFound, PermissionDenied
from bot.fields import Field
from bot.services import pools
from bot.services.pools import PoolKey
from db.models import AuditEvent, Interview, InterviewStatus
from db.vocabulary import PoolRole
from tests.support.domain import at, new_loop, plan
from tests.support.fakes import OMAR, PRIYA, RECRUITER, FakeWorld

CODING = PoolKey("ml-engineer", "coding_round")


def test_a_recruiter_adds_people_and_each_is_listed_with_their_role(world: FakeWorld) -> None:
    service = world.services.pools
    assert service.add(RECRUITER, CODING, [PRIYA, OMAR, PRIYA], PoolRole.TRAINED) == [PRIYA, OMAR]
    listed = service.view(CODING.pack, CODING.stage)
    assert [(m.user_id, m.role, m.added_by) for m in listed.members] == [
        (PRIYA, PoolRole.TRAINED, RECRUITER),
        (OMAR, PoolRole.TRAINED, RECRUITER),
    ]
    assert (listed.pack_name, listed.stage_name) == ("Machine Learning Engineer", "Coding round")
    # Another stage's pool is its own.
    assert service.view("ml-engineer", "ml_system_design").members == []


def test_adding_someone_already_there_changes_their_role_and_nothing_else(world: FakeWorld) -> None:
    service = world.services.pools
    service.add(RECRUITER, CODING, [PRIYA], PoolRole.SHADOWING)
    assert service.add(RECRUITER, CODING, [PRIYA], PoolRole.SHADOWING) == []
    assert service.add(RECRUITER, CODING, [PRIYA], PoolRole.TRAINED) == [PRIYA]
    with world.db.transaction() as session:
        assert [(m.user_id, m.role) for m in pools.members(session, CODING.pack, CODING.stage)] == [
            (PRIYA, PoolRole.TRAINED)
        ]
        assert pools.members(session, CODING.pack, CODING.stage, PoolRole.SHADOWING) == []


def test_role_changes_and_removal(world: FakeWorld) -> None:
    service = world.services.pools
    service.add(RECRUITER, CODING, [PRIYA, OMAR], PoolRole.TRAINED)
    service.set_role(RECRUITER, CODING, OMAR, PoolRole.REVERSE_SHADOWING)
    service.remove(RECRUITER, CODING, PRIYA)
    service.remove(RECRUITER, CODING, PRIYA)  # a second click on a stale view changes nothing
    assert [(m.user_id, m.role) for m in service.view(CODING.pack, CODING.stage).members] == [
        (OMAR, PoolRole.REVERSE_SHADOWING)
    ]
    with pytest.raises(NotFound):
        service.set_role(RECRUITER, CODING, PRIYA, PoolRole.TRAINED)
    with world.db.transaction() as session:
        actions = session.scalars(select(AuditEvent.action)).all()
    assert actions.count("pool_member_removed") == 1


def test_only_recruiters_change_pools(world: FakeWorld) -> None:
    service = world.services.pools
    for change in (
        lambda: service.add(PRIYA, CODING, [OMAR], PoolRole.TRAINED),
        lambda: service.set_role(PRIYA, CODING, OMAR, PoolRole.TRAINED),
        lambda: service.remove(PRIYA, CODING, OMAR),
    ):
        with pytest.raises(PermissionDenied, match="HIREBOT_RECRUITERS"):
            change()
    assert service.view(CODING.pack, CODING.stage).members == []


@pytest.mark.parametrize(
    ("key", "users", "field"),
    [
        (PoolKey("ml-engineer", "no_such_stage"), [PRIYA], Field.POOL_STAGE),
        (PoolKey("no-such-pack", "coding_round"), [PRIYA], Field.POOL_STAGE),
        (CODING, [], Field.POOL_PEOPLE),
        (CODING, ["U0BAD<@x>"], Field.POOL_PEOPLE),
    ],
)
def test_bad_input_is_named_by_its_field(world: FakeWorld, key: PoolKey, users: list[str], field: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        world.services.pools.add(RECRUITER, key, users, PoolRole.TRAINED)
    assert set(caught.value.errors) == {field}


def test_interviews_are_counted_per_person_in_a_window_without_the_cancelled(world: FakeWorld) -> None:
    loops = world.services.loops
    candidate = new_loop(world)
    loops.add_interview(candidate, plan(who=PRIYA, when="2030-03-05 10:00"), RECRUITER)
    loops.add_interview(candidate, plan(stage="ml_system_design", who=PRIYA, when="2030-03-06 10:00"), RECRUITER)
    loops.add_interview(candidate, plan(stage="model_deep_dive", who=PRIYA, when="2030-03-12 10:00"), RECRUITER)
    screen = plan(stage="recruiter_screen", who=OMAR, when="2030-03-05 11:00")
    cancelled = loops.add_interview(candidate, screen, RECRUITER)
    loops.cancel_interview(cancelled, RECRUITER)
    with world.db.transaction() as session:
        assert session.get(Interview, cancelled).status is InterviewStatus.CANCELLED
        week = pools.interview_counts(session, [PRIYA, OMAR], at("2030-03-04 00:00"), at("2030-03-11 00:00"))
        assert week == {PRIYA: 2}
        assert week[OMAR] == 0
        assert pools.interview_counts(session, [], at("2030-03-04 00:00"), at("2030-03-11 00:00")) == {}
