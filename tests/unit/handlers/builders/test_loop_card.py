"""The loop card's line for a loop opened by `hirebot import candidates`: its count in that import."""

from __future__ import annotations

from bot.services.ports import LoopCard
from db.vocabulary import LoopStatus
from handlers.builders import loops
from rubrics.loader import RubricRegistry
from tests.support.markup import mrkdwn_texts

PACK = RubricRegistry.from_directory().get("ml-engineer")


def card(imported: tuple[int, int] | None) -> LoopCard:
    return LoopCard(
        candidate_id=7,
        name="Ada Candidate",
        role=PACK.role,
        profile="Balanced",
        channel_id="C0123456789",
        recruiter_id="U0RECRUITER",
        hiring_manager_id="U0MANAGER",
        resume_url=None,
        stages=[(s.key, s.name) for s in PACK.stages],
        interviews=[],
        debrief_at=None,
        problems=[],
        status=LoopStatus.OPEN,
        decision=None,
        days_open=0,
        target_weeks=(4, 6),
        zone="Europe/London",
        imported=imported,
    )


def imported_lines(card: LoopCard) -> list[str]:
    return [t for t in mrkdwn_texts(loops.loop_card(card).blocks) if "Imported" in t]


def test_a_loop_opened_by_an_import_shows_its_count_in_that_import_under_the_title():
    blocks = loops.loop_card(card((12, 50))).blocks
    assert blocks[0]["type"] == "header"
    assert blocks[1] == {"type": "context", "elements": [{"type": "mrkdwn", "text": "Imported: loop 12 of 50"}]}


def test_a_loop_opened_by_hand_has_no_import_line():
    assert imported_lines(card(None)) == []
    assert len(loops.loop_card(card(None)).blocks) == len(loops.loop_card(card((1, 1))).blocks) - 1
