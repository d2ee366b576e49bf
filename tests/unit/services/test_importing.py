"""CandidateImport with fakes: each imported loop keeps its place in the import ("loop N of M"),
whatever happens between runs of the same file."""

from __future__ import annotations

from sqlalchemy import select, update

from bot.errors import SlackSetupError
from bot.services.import_rows import batch_key, parse
from bot.services.importing import OPENED, REFUSED, SKIPPED, CandidateImport
from db.models import Candidate
from tests.support.domain import new_loop
from tests.support.fakes import MANAGER, OMAR, PRIYA, RECRUITER

HEADER = "name,role pack,profile,hiring manager,team,link\n"


def export(names: list[str]) -> bytes:
    """One row per name; the link is the candidate's own, wherever the row stands."""
    link = "https://ats.example.com/{}".format
    rows = [f"{name},ml-engineer,balanced,{MANAGER},{PRIYA} {OMAR},{link(name.split()[0])}\n" for name in names]
    return (HEADER + "".join(rows)).encode()


def job(world) -> CandidateImport:
    return CandidateImport(world.services.loops, world.db, world.services.rubrics)


def run(world, data: bytes) -> list[str]:
    importer = job(world)
    planned = importer.plan(importer.validate(data, RECRUITER), RECRUITER)
    return [importer.open(item).state for item in planned]


def places(world) -> dict[str, tuple[str | None, int | None, int | None]]:
    with world.db.transaction() as session:
        return {
            c.name: (c.import_batch, c.import_position, c.import_total)
            for c in session.scalars(select(Candidate).order_by(Candidate.id))
        }


def test_each_loop_is_written_with_its_place_in_the_import_and_its_card_shows_it(world):
    data = export(["Ada One", "Bo Two", "Cy Three"])
    assert run(world, data) == [OPENED] * 3
    batch = batch_key(parse(data)[0])
    assert places(world) == {"Ada One": (batch, 1, 3), "Bo Two": (batch, 2, 3), "Cy Three": (batch, 3, 3)}
    assert {(c.name, c.imported) for c in world.render.of("loop_card")} == {
        ("Ada One", (1, 3)),
        ("Bo Two", (2, 3)),
        ("Cy Three", (3, 3)),
    }


def test_a_loop_opened_by_hand_has_no_place(world):
    new_loop(world)
    assert places(world) == {"Ada Candidate": (None, None, None)}
    assert world.render.of("loop_card")[-1].imported is None


def test_a_row_slack_refused_is_written_afresh_in_the_same_place_on_the_next_run(world):
    data = export(["Ada One", "Bo Two", "Cy Three"])
    world.slack.fail("create_private_channel", SlackSetupError("conversations.create", "restricted_action"), times=1)
    assert run(world, data) == [REFUSED, OPENED, OPENED]
    assert set(places(world)) == {"Bo Two", "Cy Three"}  # the refused loop was discarded
    before = places(world)
    assert run(world, data) == [OPENED, SKIPPED, SKIPPED]
    batch = batch_key(parse(data)[0])
    assert places(world) == before | {"Ada One": (batch, 1, 3)}


def test_a_loop_keeps_the_place_of_the_import_that_opened_it(world):
    first, second = export(["Ada One", "Bo Two"]), export(["Cy Three", "Ada One"])
    run(world, first)
    assert run(world, second) == [OPENED, SKIPPED]  # Ada's key: the same candidate, already open
    assert places(world) == {
        "Ada One": (batch_key(parse(first)[0]), 1, 2),
        "Bo Two": (batch_key(parse(first)[0]), 2, 2),
        "Cy Three": (batch_key(parse(second)[0]), 1, 2),
    }


def test_a_loop_imported_before_loops_were_numbered_takes_its_place_on_the_next_run(world):
    data = export(["Ada One", "Bo Two"])
    run(world, data)
    with world.db.transaction() as session:
        session.execute(update(Candidate).values(import_batch=None, import_position=None, import_total=None))
    assert run(world, data) == [SKIPPED, SKIPPED]
    batch = batch_key(parse(data)[0])
    assert places(world) == {"Ada One": (batch, 1, 2), "Bo Two": (batch, 2, 2)}
