"""The panel's numbers read from the database: measured reliability, and the history leniency rests on."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event

from bot.services import panel_stats
from bot.services.agreement import measure
from rubrics.loader import RubricRegistry
from tests.support.panels import add_loop, add_scorecard, simulated_panel, store_panel

PACK = RubricRegistry.from_directory().get("ml-engineer")


@pytest.mark.parametrize(("loops", "measured"), [(9, False), (40, True)])
def test_reliability_is_the_measured_alpha_once_there_are_enough_candidates(database, loops, measured):
    panel = [o for o in simulated_panel(0.75) if o.unit < loops]
    store_panel(database, panel, key="data_pipelines")
    with database.transaction() as session:
        reliability = panel_stats.reliability(session, PACK)
    if measured:
        expected = measure("x", panel, "ordinal", domain=[1, 2, 3, 4]).alpha
        assert reliability == {"data_pipelines": pytest.approx(expected)}
        assert 0 < reliability["data_pipelines"] < 1
    else:
        assert reliability == {}  # below agreement.MIN_UNITS: the pack default stands in


def test_another_packs_ratings_do_not_count(database):
    with database.transaction() as session:
        for _ in range(12):
            loop = add_loop(session, pack="data-analyst")
            add_scorecard(session, loop, "UANN", {"data_pipelines": 2})
            add_scorecard(session, loop, "UBOB", {"data_pipelines": 3})
    with database.transaction() as session:
        assert panel_stats.reliability(session, PACK) == {}


def test_history_is_the_loops_the_raters_sat_on_but_this_one_in_one_statement(database):
    with database.transaction() as session:
        mine, theirs, current = add_loop(session), add_loop(session), add_loop(session)
        session.flush()
        add_scorecard(session, mine, "UANN", {"coding": 4})
        add_scorecard(session, mine, "UBOB", {"coding": 2})
        add_scorecard(session, theirs, "UBOB", {"coding": 3})
        add_scorecard(session, theirs, "UCAT", {"coding": 1})
        add_scorecard(session, current, "UANN", {"coding": 1})
        add_scorecard(session, current, "UBOB", {"coding": 4})
        ids = mine.id, current.id
    statements = []
    event.listen(database.engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    with database.transaction() as session:
        history = panel_stats.history(session, {"UANN"}, exclude_candidate=ids[1])
        assert panel_stats.history(session, set()) == []
        rows = panel_stats.leniency(session, {"UANN"})
    assert len(statements) == 2  # one for the history, one for the leniency; none for an empty panel
    assert {(r.candidate, r.interviewer, r.rating) for r in history} == {(ids[0], "UANN", 4.0), (ids[0], "UBOB", 2.0)}
    assert [r.interviewer_id for r in rows] == ["UANN"]  # UBOB's numbers are not UANN's to see
    assert rows[0].candidates == 2 and rows[0].estimate == pytest.approx(-0.5)


def test_the_cards_reliability_is_read_again_only_after_its_ttl(database):
    now = [datetime(2030, 1, 1, tzinfo=UTC)]
    cache = panel_stats.ReliabilityCache(lambda: now[0], ttl=timedelta(minutes=15))
    with database.transaction() as session:
        assert cache(session, PACK) == {}
    store_panel(database, [o for o in simulated_panel(0.75) if o.unit < 20], key="collaboration")
    now[0] += timedelta(minutes=14)
    with database.transaction() as session:
        assert cache(session, PACK) == {}  # still the value read 14 minutes ago
    now[0] += timedelta(minutes=1)
    with database.transaction() as session:
        assert set(cache(session, PACK)) == {"collaboration"}
