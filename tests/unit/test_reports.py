"""`hirebot report loops|interviewers|competencies`: every subject in every format, from the same read
model as the App Home; clear errors; names people typed kept harmless in a terminal and a spreadsheet."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta

import pytest

from bot import cli, reports
from bot.config import Settings
from db.vocabulary import Decision, LoopStatus
from tests.support.dashboard import Past, Seat, seed

D, H = timedelta(days=1), timedelta(hours=1)
FORMULA = '=HYPERLINK("http://evil.example","x")'
ESCAPES = "Red\x1b[31m Name\u202e"


@pytest.fixture
def stored(database, monkeypatch, tmp_path):
    """Two open loops (one named like a formula, one with terminal escapes) and one decided, around now."""
    for field in Settings.model_fields.values():
        monkeypatch.delenv(field.alias, raising=False)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", database.engine.url.render_as_string(hide_password=False))
    now = datetime.now(UTC)
    loops = [
        Past(FORMULA, now - 45 * D, [Seat("coding_round", "UPRI", now - 3 * D)]),
        Past(ESCAPES, now - 10 * D, [Seat("recruiter_screen", "UOMA", now - 5 * D, now - 5 * D + 3 * H)]),
        Past(
            "Decided Dee",
            now - 40 * D,
            [Seat("recruiter_screen", "UOMA", now - 30 * D, now - 30 * D + 2 * H)],
            status=LoopStatus.DECIDED,
            decision=Decision.HIRE,
            decided_at=now - 20 * D,
        ),
    ]
    with database.transaction() as session:
        seed(session, loops)
    return database


def run(capsys, *args: str) -> str:
    assert cli.main(["report", *args]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    return out


def test_loops_as_json_carry_ages_next_steps_pass_through_and_time_to_decision(stored, capsys):
    report = json.loads(run(capsys, "loops", "--format", "json"))
    assert report["window_days"] == 90
    first, second = report["open_loops"]
    assert (first["candidate"], first["days_open"], first["state"]) == (FORMULA, 45, "past 6 weeks")
    assert (first["next_step"], first["waiting_on"], first["overdue_scorecards"]) == ("scorecards", "UPRI", 1)
    # Its screen is in and nothing else is planned: the recruiter sets the debrief next.
    assert (second["days_open"], second["state"], second["next_step"]) == (10, "on track", "schedule the debrief")
    assert report["time_to_decision"] == {"decided": 1, "hired": 1, "median_days": 20.0}
    screen = next(s for s in report["stages"] if s["stage"] == "Recruiter screen")
    assert (screen["reached"], screen["went_on"], screen["still_open"], screen["pass_rate"]) == (2, 1, 1, 1.0)


def test_loops_as_csv_defuse_formulas_and_as_a_table_hide_terminal_escapes(stored, capsys):
    rows = list(csv.DictReader(io.StringIO(run(capsys, "loops", "--format", "csv"))))
    assert list(rows[0]) == list(reports.LOOP_FIELDS)
    assert rows[0]["candidate"] == "'" + FORMULA  # a spreadsheet shows it as text, never runs it
    assert rows[1]["candidate"] == ESCAPES  # CSV keeps the name as typed; a reader decides how to show it
    table = run(capsys, "loops")
    assert "\x1b" not in table and "\u202e" not in table
    assert "Red?[31m Name?" in table
    assert "Open loops (2), oldest first" in table and "Stage pass-through, last 90 days" in table
    assert "Time to decision, last 90 days: median 20.0 days over 1 decisions (1 hired)" in table


def test_interviewers_in_every_format(stored, capsys):
    report = json.loads(run(capsys, "interviewers", "--format", "json"))
    people = {r["interviewer"]: r for r in report["interviewers"]}
    # UOMA: two screens in, 2 h and 1 h after the end; UPRI: one missing for three days.
    assert (people["UOMA"]["on_time_share"], people["UOMA"]["median_hours_to_scorecard"]) == (1.0, 1.5)
    assert (people["UPRI"]["due"], people["UPRI"]["on_time"], people["UPRI"]["overdue_now"]) == (1, 0, 1)
    assert report["overall"] == {"due": 3, "on_time": 2, "on_time_share": 0.6667}
    assert [o["candidate"] for o in report["overdue"]] == [FORMULA]
    rows = list(csv.DictReader(io.StringIO(run(capsys, "interviewers", "--format", "csv"))))
    assert [r["interviewer"] for r in rows] == [r["interviewer"] for r in report["interviewers"]]
    table = run(capsys, "interviewers", "--format", "table")
    assert "Scorecards in within 24 hours, last 90 days: 67% of 3 (goal 90%)" in table
    assert "Overdue scorecards (1)" in table


def test_competencies_in_every_format(stored, capsys):
    report = json.loads(run(capsys, "competencies", "--format", "json"))
    assert report["results"] == [] and report["anchors_need_work"] == []  # no ratings stored
    assert run(capsys, "competencies", "--format", "csv").startswith("competency,level,alpha")
    assert "Krippendorff's alpha, ordinal level" in run(capsys, "competencies")


def test_competencies_are_named_as_in_the_pack(database, monkeypatch, tmp_path, capsys):
    for field in Settings.model_fields.values():
        monkeypatch.delenv(field.alias, raising=False)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", database.engine.url.render_as_string(hide_password=False))
    now = datetime.now(UTC)
    loops = [
        Past(
            f"C{n}",
            now - 20 * D,
            [
                Seat("coding_round", who, now - 10 * D, now - 9 * D, {"software_engineering": 1 + (n + k) % 4})
                for k, who in enumerate(("UA", "UB"))
            ],
            status=LoopStatus.DECIDED,
            decision=Decision.NO_HIRE,
            decided_at=now - 5 * D,
        )
        for n in range(12)
    ]
    with database.transaction() as session:
        seed(session, loops)
    rows = list(csv.DictReader(io.StringIO(run(capsys, "competencies", "--format", "csv"))))
    assert [(r["competency"], r["candidates"]) for r in rows] == [("Software engineering", "12")]
    assert rows[0]["alpha"] != ""


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["report", "loops", "--format", "xml"],
            "argument --format: invalid choice: 'xml' (choose from 'table', 'csv', 'json')",
        ),
        (
            ["report", "candidates"],
            "invalid choice: 'candidates' (choose from 'agreement', 'load', 'loops', 'interviewers'",
        ),
    ],
)
def test_a_bad_format_or_subject_is_a_clear_error(args, message, capsys):
    with pytest.raises(SystemExit) as exit_:
        cli.main(args)
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert message in err


def test_render_refuses_what_it_does_not_know():
    with pytest.raises(ValueError, match="choose one of loops, interviewers, competencies"):
        reports.render("candidates", None, "table")  # type: ignore[arg-type]


def test_a_report_on_an_unmigrated_database_is_one_line(monkeypatch, tmp_path, capsys):
    for field in Settings.model_fields.values():
        monkeypatch.delenv(field.alias, raising=False)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/empty.db")
    assert cli.main(["report", "loops"]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1 and "hirebot migrate" in err
