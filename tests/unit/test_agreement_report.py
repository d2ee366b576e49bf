"""`hirebot report agreement`: the panel's ratings read from the database in one statement, and any
`unit,rater,value` file checked against published values, with one-line errors for bad files."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import event

from bot import cli
from bot.services.agreement import Observation, measure_each
from bot.services.agreement_data import RATING_SCALE, panel_ratings
from db.models import InterviewStatus, LoopStatus
from tests.support.panels import (
    KRIPPENDORFF_2011_B,
    KRIPPENDORFF_2011_C,
    add_loop,
    add_scorecard,
    simulated_panel,
    store_panel,
)


def test_only_submitted_scheduled_ratings_of_live_loops_count(database):
    with database.transaction() as session:
        live, purged = add_loop(session), add_loop(session, LoopStatus.PURGED)
        session.flush()
        add_scorecard(session, live, "UANN", {"collaboration": 2, "business_sense": 4})
        add_scorecard(session, live, "UBOB", {"collaboration": 3})
        add_scorecard(session, live, "UCAT", {"collaboration": 1}, status=InterviewStatus.CANCELLED)
        add_scorecard(session, live, "UDAN", {}, submitted=False)
        # The same interviewer again, in a later interview: that later rating stands.
        add_scorecard(session, live, "UANN", {"collaboration": 4})
        add_scorecard(session, purged, "UANN", {"collaboration": 1})
        live_id = live.id

    ratings = panel_ratings(database)

    assert ratings == {
        "ml-engineer/business_sense": [Observation(live_id, "UANN", 4)],
        "ml-engineer/collaboration": [Observation(live_id, "UANN", 4), Observation(live_id, "UBOB", 3)],
    }


def test_competencies_of_different_packs_are_kept_apart(database):
    with database.transaction() as session:
        add_scorecard(session, add_loop(session, pack="ml-engineer"), "UANN", {"collaboration": 2})
        add_scorecard(session, add_loop(session, pack="data-analyst"), "UANN", {"collaboration": 3})
    assert sorted(panel_ratings(database)) == ["data-analyst/collaboration", "ml-engineer/collaboration"]


@pytest.mark.parametrize("loops", [3, 30])
def test_the_panel_is_read_in_one_statement_whatever_its_size(database, loops):
    store_panel(database, [o for o in simulated_panel(1.0) if o.unit < loops])
    statements = []
    event.listen(database.engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    ratings = panel_ratings(database)
    assert len(ratings["ml-engineer/collaboration"]) == 3 * loops
    assert len(statements) == 1


def use_database(monkeypatch, tmp_path, database) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", database.engine.url.render_as_string(hide_password=False))


def test_report_from_the_database_names_the_competencies_that_need_work(database, monkeypatch, tmp_path, capsys):
    steady, noisy = simulated_panel(0.1, seed=1)[:60], simulated_panel(4.0, seed=2)[:60]
    store_panel(database, steady, "evaluation_metrics")
    store_panel(database, noisy, "collaboration")
    store_panel(database, simulated_panel(0.25, seed=3)[:9], "business_sense")  # 3 candidates: too few
    use_database(monkeypatch, tmp_path, database)

    assert cli.main(["report", "agreement", "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)

    by_name = {r["competency"]: r for r in report["results"]}
    # Stored loops get new ids, so compare with alpha over the same ratings keyed by position.
    expected = measure_each({"steady": steady, "noisy": noisy}, "ordinal", domain=RATING_SCALE)
    assert by_name["ml-engineer/evaluation_metrics"]["alpha"] == pytest.approx(expected[0].alpha, abs=1e-6)
    assert by_name["ml-engineer/collaboration"]["alpha"] == pytest.approx(expected[1].alpha, abs=1e-6)
    assert by_name["ml-engineer/evaluation_metrics"]["verdict"] == "reliable"
    assert by_name["ml-engineer/collaboration"]["candidates"] == 20
    assert by_name["ml-engineer/collaboration"]["pairable_ratings"] == 60
    assert by_name["ml-engineer/business_sense"] == {
        "competency": "ml-engineer/business_sense",
        "level": "ordinal",
        "alpha": None,
        "verdict": "not enough data",
        "candidates": 3,
        "pairable_ratings": 9,
        "raters": by_name["ml-engineer/business_sense"]["raters"],
    }
    assert report["anchors_need_work"] == ["ml-engineer/collaboration"]

    assert cli.main(["report", "agreement"]) == 0
    table = capsys.readouterr().out
    assert "Anchors need work (alpha < 0.667): ml-engineer/collaboration" in table
    assert "not enough data" in table and "Krippendorff (2004)" in table


def test_report_on_an_unmigrated_database_is_one_line(monkeypatch, tmp_path, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/empty.db")
    assert cli.main(["report", "agreement"]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1 and "hirebot migrate" in err


def write_csv(tmp_path, matrix: list[str], name: str = "ratings.csv") -> str:
    lines = ["unit,rater,value"]
    for rater, row in enumerate(matrix):
        for unit, value in enumerate(row.split(), start=1):
            # Missing ratings both ways a spreadsheet writes them: an empty cell, or no row at all.
            if value != "*":
                lines.append(f"u{unit},coder{rater},{value}")
            elif unit % 2:
                lines.append(f"u{unit},coder{rater},")
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return str(path)


@pytest.mark.parametrize(
    ("level", "published"),
    [("nominal", 0.743), ("ordinal", 0.815), ("interval", 0.849), ("ratio", 0.797)],
)
def test_ratings_file_reproduces_krippendorff_2011(tmp_path, capsys, level, published):
    """Krippendorff (2011), Computing Krippendorff's Alpha-Reliability, sections C and E."""
    path = write_csv(tmp_path, KRIPPENDORFF_2011_C)
    assert cli.main(["report", "agreement", "--ratings", path, "--level", level, "--format", "json"]) == 0
    (result,) = json.loads(capsys.readouterr().out)["results"]
    assert round(result["alpha"], 3) == published
    assert (result["units"], result["pairable_ratings"], result["raters"]) == (11, 40, 4)


def test_ratings_file_with_letters_at_nominal_level(tmp_path, capsys):
    """Krippendorff (2011) section B: two observers, values a-e, alpha = .692."""
    path = write_csv(tmp_path, KRIPPENDORFF_2011_B)
    assert cli.main(["report", "agreement", "--ratings", path, "--level", "nominal", "--format", "csv"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "variable,level,alpha,verdict,units,pairable_ratings,raters"
    assert out[1] == "ratings.csv,nominal,0.691964,tentative,12,24,2"


def test_ratings_file_table(tmp_path, capsys):
    path = write_csv(tmp_path, KRIPPENDORFF_2011_C)
    assert cli.main(["report", "agreement", "--ratings", path]) == 0
    out = capsys.readouterr().out
    assert "Krippendorff's alpha, ordinal level" in out
    row = next(line for line in out.splitlines() if line.startswith("ratings.csv"))
    assert row.split() == ["ratings.csv", "0.815", "reliable", "11", "40", "4"]


@pytest.mark.parametrize(
    ("content", "level", "message"),
    [
        ("", "ordinal", "line 1: the header must be unit,rater,value"),
        ("unit,who,value\n1,a,1\n", "ordinal", "line 1: the header must be unit,rater,value, found 'unit,who,value'"),
        ("unit,rater,value\n1,a,1\n1,b,high\n", "ordinal", "line 3, column value: 'high' is not a number"),
        ("unit,rater,value\n1,a,1\n1,b,nan\n", "interval", "line 3, column value: 'nan' is not a finite number"),
        ("unit,rater,value\n1,a,-1\n", "ratio", "line 2, column value: '-1' is negative"),
        ("unit,rater,value\n1,a,1\n2,,1\n", "nominal", "line 3, column rater: empty"),
        ("unit,rater,value\n1,a,1\n\n1,b,2,9\n", "ordinal", "line 4: expected 3 columns (unit,rater,value), found 4"),
        ("unit,rater,value\n1,a,1\n1,b,2\n1,a,3\n", "ordinal", "line 4: rater 'a' already rated unit '1' on line 2"),
        ('unit,rater,value\n1,a,1\n"1,b,2\n', "ordinal", "line 3: unexpected end of data"),
        # A terminal escape in a cell is shown escaped, never sent to the operator's terminal.
        ("unit,rater,value\n1,\x1b[2J,1\n1,\x1b[2J,2\n", "ordinal", "line 3: rater '\\x1b[2J' already rated"),
    ],
)
def test_a_bad_ratings_file_is_one_line_naming_line_and_column(tmp_path, capsys, content, level, message):
    path = tmp_path / "bad.csv"
    path.write_text(content, encoding="utf-8")
    assert cli.main(["report", "agreement", "--ratings", str(path), "--level", level]) == 2
    out, err = capsys.readouterr()
    assert out == ""  # nothing partial
    assert err.startswith(f"hirebot: {message}") and err.count("\n") == 1
    assert "\x1b" not in err


def test_a_file_too_large_to_compute_is_refused_in_one_line(tmp_path, capsys):
    rows = [f"{unit},{rater},{unit + rater / 10}" for unit in range(1200) for rater in range(2)]
    path = tmp_path / "wide.csv"
    path.write_text("unit,rater,value\n" + "\n".join(rows) + "\n", encoding="utf-8")
    assert cli.main(["report", "agreement", "--ratings", str(path), "--level", "interval"]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1
    assert "1200 units with 2400 distinct values is too large to compute" in err


def test_unreadable_ratings_files(tmp_path, capsys):
    assert cli.main(["report", "agreement", "--ratings", str(tmp_path / "missing.csv")]) == 2
    assert "cannot read" in capsys.readouterr().err
    latin = tmp_path / "latin1.csv"
    latin.write_bytes(b"unit,rater,value\n1,Jos\xe9,1\n")
    assert cli.main(["report", "agreement", "--ratings", str(latin)]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err == f"hirebot: line 2: {latin} is not UTF-8 text\n"
