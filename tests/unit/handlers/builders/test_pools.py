"""The pool modal, the suggestions in Add interview and the card's warnings: within Slack's
limits at their biggest, and escaped where text came from a person."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta

from bot.services.pools import Member, PoolKey, PoolView
from bot.services.ports import InterviewLine, LoopCard, PickWarning
from bot.services.suggestions import Prospect, Slot, Suggestions, rank
from bot.services.workhours import WorkingHours
from db.vocabulary import InterviewStatus, LoopStatus, PoolRole
from handlers.builders import loops
from handlers.builders.pools import pool_modal, suggestion_blocks
from handlers.ids import Action
from rubrics.loader import RubricRegistry
from tests.support.blockkit import check_message, check_view

PACK = RubricRegistry.from_directory().get("ml-engineer")
ADDED = datetime(2030, 3, 4, 9, 0, tzinfo=UTC)


def line(n: int) -> InterviewLine:
    stage = PACK.stages[n % len(PACK.stages)]
    starts = ADDED + timedelta(hours=n)
    return InterviewLine(
        n,
        stage.key,
        stage.name,
        f"U{n:09d}",
        starts,
        starts + timedelta(hours=1),
        "Europe/London",
        InterviewStatus.SCHEDULED,
        submitted=False,
        overdue=False,
    )


def card(interviews: int = 40) -> LoopCard:
    return LoopCard(
        candidate_id=1,
        name="Ada " * 50,
        role=PACK.role,
        profile="Balanced",
        channel_id="C0123456789",
        recruiter_id="U0RECRUITER",
        hiring_manager_id="U0MANAGER",
        resume_url=None,
        stages=[(s.key, s.name) for s in PACK.stages],
        interviews=[line(n) for n in range(interviews)],
        debrief_at=None,
        problems=[],
        status=LoopStatus.OPEN,
        decision=None,
        days_open=3,
        target_weeks=(4, 6),
        zone="Europe/London",
    )


HOSTILE = "<!channel> *bold* & <https://evil.example|x>"


def view_of(members: int) -> PoolView:
    roles = list(PoolRole)
    listed = [Member(f"U{n:09d}", roles[n % 3], "U0RECRUITER", ADDED) for n in range(members)]
    return PoolView(PoolKey("ml-engineer", "coding_round"), PACK.role, "Coding round", listed)


def suggestions(n: int, zone: str = "Europe/London") -> Suggestions:
    prospects = [Prospect(f"U{i:09d}", i % 6, 4, i, zone, WorkingHours(time(9), time(17))) for i in range(n)]
    slot = Slot(datetime(2030, 3, 6, 14, tzinfo=UTC), 60)
    return Suggestions("Coding round", rank(prospects, slot), slot, zone, date(2030, 3, 4), True, n)


def test_the_pool_modal_fits_with_a_huge_pool_and_keeps_what_was_picked():
    packs = RubricRegistry.from_directory().all()
    for size in (0, 1, 200):
        check_view(pool_modal(packs, view_of(size)))
    modal = pool_modal(packs, view_of(3), people=["U0AAA", "U0BBB"], role=PoolRole.SHADOWING)
    people = next(b for b in modal["blocks"] if b.get("block_id") == "pool_people")
    role = next(b for b in modal["blocks"] if b.get("block_id") == "pool_role")
    stage = next(b for b in modal["blocks"] if b.get("block_id") == "pool_stage")
    assert people["element"]["initial_users"] == ["U0AAA", "U0BBB"]
    assert role["element"]["initial_option"]["value"] == "shadowing"
    assert stage["element"]["initial_option"]["value"] == "ml-engineer/coding_round"
    menus = [b["accessory"] for b in modal["blocks"] if b.get("accessory", {}).get("action_id") == Action.POOL_MEMBER]
    # Each member's menu offers the two other roles and removal.
    assert [o["value"] for o in menus[0]["options"]] == [
        "shadowing:U000000000",
        "reverse_shadowing:U000000000",
        "remove:U000000000",
    ]
    assert json.loads(modal["private_metadata"]) == {"pack": "ml-engineer", "stage": "coding_round"}


def test_suggestions_say_why_each_ranks_where_it_does():
    blocks = suggestion_blocks(suggestions(3))
    listing = blocks[0]["text"]["text"]
    assert "1. <@U000000000>: 0/4 this week · 0 in 14 days · 09:00-17:00 Europe/London overlaps" in listing
    assert "2. <@U000000001>: 1/4 this week · 1 in 14 days" in listing
    check_view(loops.interview_modal(PACK, card(), "Europe/London", suggestions=suggestions(40)))
    empty = replace(suggestions(0), pool_size=0)
    assert "no interviewer pool yet" in json.dumps(suggestion_blocks(empty))
    assert "/hire pool" in json.dumps(suggestion_blocks(empty))
    assert "Pick a stage" in json.dumps(suggestion_blocks(None))


def test_a_suggestion_at_its_cap_says_so_and_a_hostile_zone_is_escaped():
    at_cap = Prospect("U0FULL", 4, 4, 0, HOSTILE, WorkingHours(time(9), time(17)))
    found = Suggestions("Coding <!here>", [rank([at_cap], None)[0]], None, "UTC", date(2030, 3, 11), False, 1)
    text = json.dumps(suggestion_blocks(found))
    assert "4/4 week of 11 Mar (at cap)" in text
    assert "<!channel>" not in text and "<!here>" not in text and "&lt;!channel&gt;" in text


def test_the_card_warns_beside_the_interview_and_still_fits():
    warned = replace(
        card(),
        warnings=[PickWarning(n, n % 2 == 0, 5, 4, date(2030, 3, 4)) for n in range(40)],
    )
    message = loops.loop_card(warned)
    check_message(message.text, message.blocks)
    plan = json.dumps(message.blocks, ensure_ascii=False)
    assert "⚠️ not trained for" in plan and "over their weekly cap (5/4 the week of 04 Mar)" in plan
    clean = loops.loop_card(replace(card(), interviews=[line(1)]))
    assert "⚠️ not trained" not in json.dumps(clean.blocks, ensure_ascii=False)
