"""Reading a recruiter's CSV export: rows, line numbers, every bad cell reported, stable keys."""

from __future__ import annotations

import csv
import io

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.importer import floor_seconds, planned_calls
from bot.mrkdwn import url_problem
from bot.services.checks import has_control
from bot.services.import_rows import FIELDS, MAX_ROWS, ImportRow, parse, row_key
from bot.services.importing import ALL_STEPS, Planned

HEADER = "name,role pack,profile,hiring manager,team,link\n"
GOOD = "Ada Lovelace,ml-engineer,balanced,U0HANK,U0PRIYA U0OMAR,https://ats.example.com/c/1\n"


def csv_bytes(*lines: str, header: str = HEADER) -> bytes:
    return (header + "".join(lines)).encode()


def test_a_good_file_gives_its_rows_with_their_line_numbers():
    data = csv_bytes(
        GOOD,
        "\n",  # a blank line is skipped, but still counted
        '"Grace Hopper, Jr.",ml-engineer,balanced,U0HANK,"U0MEI; U0LARS,U0MEI",\n',
    )
    rows, problems = parse(data)
    assert problems == []
    assert [r.line for r in rows] == [2, 4]
    assert rows[0] == ImportRow(
        2, "Ada Lovelace", "ml-engineer", "balanced", "U0HANK", ("U0PRIYA", "U0OMAR"), "https://ats.example.com/c/1"
    )
    assert rows[1].team == ("U0MEI", "U0LARS")  # separators mixed, repeats dropped
    assert rows[1].link is None


def test_spreadsheet_exports_are_read_as_they_come():
    """A byte-order mark, CRLF line ends, other spellings and order of the columns, extra columns."""
    header = "Hiring_Manager,Candidate Name,Notes,Pack,PROFILE,Interviewers,Resume\r\n"
    data = b"\xef\xbb\xbf" + (header + "U0HANK,Ada Lovelace,anything,ml-engineer,balanced,U0PRIYA,\r\n").encode()
    rows, problems = parse(data)
    assert problems == []
    assert (rows[0].name, rows[0].hiring_manager, rows[0].team, rows[0].line) == (
        "Ada Lovelace",
        "U0HANK",
        ("U0PRIYA",),
        2,
    )


def test_every_bad_row_is_reported_with_its_line_and_field_and_no_row_is_kept_back_silently():
    data = csv_bytes(
        GOOD,  # line 2: fine
        ",ml-engineer,balanced,U0HANK,,\n",  # line 3: no name
        '"Multi\nLine",ml-engineer,balanced,U0HANK,,\n',  # lines 4-5: a line break in the name
        "Bob,ml-engineer,balanced,hank,u0priya U0OMAR,http://ats.example.com/2\n",  # line 6: three bad cells
        "Cy,,,U0HANK,,https://ats.example.com/3|x\n",  # line 7: no pack, no profile, a bad link
        "Smith, Jo,ml-engineer,balanced,U0HANK,U0PRIYA,https://ats.example.com/4\n",  # line 8: an unquoted comma
        "ada  LOVELACE,ml-engineer,modelling_heavy,U0MEI,,https://ats.example.com/c/1\n",  # line 9: line 2 again
        "Dee\x00,ml-engineer,balanced,U0HANK,,\n",  # line 10: NUL
    )
    rows, problems = parse(data)
    assert [(p.line, p.field) for p in problems] == [
        (3, "name"),
        (4, "name"),
        (6, "hiring manager"),
        (6, "link"),
        (6, "team"),
        (7, "link"),
        (7, "profile"),
        (7, "role pack"),
        (8, "row"),
        (9, "name"),
        (10, "name"),
    ]
    assert str(problems[0]) == "line 3, field name: empty; give the candidate's name"
    assert "line 2" in problems[-2].problem
    assert "http" in problems[3].problem


def test_problems_never_repeat_what_the_cell_held():
    """A cell may hold terminal escapes or a person's name: the report names the line and field only."""
    hostile = "\x1b[2J\x1b]0;owned\x07"
    data = csv_bytes(f"{hostile},{hostile},{hostile},{hostile},{hostile},{hostile}\n")
    _, problems = parse(data)
    assert problems and all("\x1b" not in str(p) and "owned" not in str(p) for p in problems)


def test_the_file_itself_can_be_wrong():
    assert [str(p) for p in parse(b"")[1]] == [
        "line 1, field file: the file is empty; the first line names the columns"
    ]
    _, missing = parse(b"name,team\nAda,U0HANK\n")
    assert [(p.line, p.field) for p in missing] == [(1, "role pack"), (1, "profile"), (1, "hiring manager")]
    _, twice = parse(b"name,name,role pack,profile,hiring manager\n")
    assert [(p.line, p.field) for p in twice] == [(1, "name")]
    _, latin1 = parse(csv_bytes(GOOD, "Ren\xe9e,ml-engineer,balanced,U0HANK,,\n").replace(b"\xc3\xa9", b"\xe9"))
    assert [(p.line, p.field) for p in latin1] == [(3, "file")]
    _, many = parse(csv_bytes(*(f"P{n},ml-engineer,balanced,U0HANK,,\n" for n in range(MAX_ROWS + 1))))
    assert [(p.line, p.field) for p in many] == [(MAX_ROWS + 2, "file")]


def test_the_key_is_the_candidate_and_role_not_the_rows_plan_or_place():
    key = row_key("Ada Lovelace", "ml-engineer", "https://ats.example.com/c/1")
    assert key.isalnum() and len(key) == 64  # what the view id column takes
    assert row_key("  ada   LOVELACE ", "ml-engineer", "https://ats.example.com/c/1 ") == key
    assert row_key("Ada Lovelace", "ml-engineer", "https://ats.example.com/c/2") != key
    assert row_key("Ada Lovelace", "other-pack", "https://ats.example.com/c/1") != key
    moved = parse(csv_bytes("Someone Else,ml-engineer,balanced,U0HANK,,\n", GOOD.replace("U0PRIYA U0OMAR", "U0MEI")))
    assert moved[0][1].key == key  # another line, another team: the same loop


def test_the_floor_is_set_by_the_most_called_method_against_its_tier():
    rows = [
        ImportRow(n, f"P{n}", "ml-engineer", "balanced", "U0HANK", ("U0PRIYA",), "https://a.example/x")
        for n in range(50)
    ]
    fresh = [Planned(row, n, ALL_STEPS) for n, row in enumerate(rows)]
    calls = planned_calls(rows, fresh)
    assert calls["conversations.create"] == calls["pins.add"] == calls["bookmarks.add"] == 50
    assert calls["users.info"] == 2
    floor, method = floor_seconds(calls)
    assert floor == 49 * 3.0  # Tier 2: 20 a minute, one every 3 s after the first
    assert method == "bookmarks.add"  # the first of the Tier 2 methods tied at 50 calls
    done = [Planned(row, n, ()) for n, row in enumerate(rows)]
    assert floor_seconds(planned_calls(rows, done)) == (0.6, "users.info")


cells = st.text(alphabet=st.characters(codec="utf-8"), max_size=40)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(cells, min_size=0, max_size=8), max_size=8))
def test_hostile_cells_are_refused_or_read_never_crash(records):
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(FIELDS)
    writer.writerows(records)
    rows, problems = parse(buffer.getvalue().encode())
    # A lone CR ends a line too, for the csv module as for old spreadsheets.
    last_line = len(io.StringIO(buffer.getvalue(), newline="").readlines()) + 1
    assert all(1 <= p.line <= last_line for p in problems)
    assert all(p.field in (*FIELDS, "row", "file") for p in problems)
    for row in rows:
        assert row.name and not has_control(row.name)
        assert row.link is None or url_problem(row.link) is None
        assert all(u.isalnum() and u[0] in "UW" for u in (row.hiring_manager, *row.team))
