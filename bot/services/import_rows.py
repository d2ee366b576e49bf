"""A recruiter's CSV export, read into rows and checked cell by cell before anything is written.

Pure parsing: no database, no Slack. Whatever is wrong is reported per row, with the line the
row starts on and the column's name, and never with the cell's text (it may hold anything,
terminal escapes included). The checks that need the rubric packs or Slack are in importing.py.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from hashlib import sha256

from bot.mrkdwn import url_problem
from bot.services.checks import bad_user_id, has_control

# The export's columns, by the names the README gives; a few spellings exports use are accepted.
NAME, PACK, PROFILE, MANAGER, TEAM, LINK = "name", "role pack", "profile", "hiring manager", "team", "link"
REQUIRED = (NAME, PACK, PROFILE, MANAGER)
ALIASES = {
    "candidate": NAME,
    "candidate name": NAME,
    "pack": PACK,
    "rubric": PACK,
    "manager": MANAGER,
    "interviewers": TEAM,
    "hiring team": TEAM,
    "resume": LINK,
    "ats link": LINK,
    "url": LINK,
}
FIELDS = (NAME, PACK, PROFILE, MANAGER, TEAM, LINK)
MAX_ROWS = 500  # at Slack's pace for channels, about 25 minutes of opening
MAX_TEAM = 20  # more people are added in the channel, not from a spreadsheet cell
MAX_NAME = 200  # the name column's width, as the new-loop modal checks it
KEY_PREFIX = "imp"  # Slack's view ids start with V: an import's key never meets one
_TEAM_SPLIT = re.compile(r"[\s,;]+")


@dataclass(frozen=True)
class ImportRow:
    line: int  # where the row starts in the file, as a spreadsheet or editor numbers it
    name: str
    pack: str
    profile: str
    hiring_manager: str
    team: tuple[str, ...]
    link: str | None

    @property
    def key(self) -> str:
        return row_key(self.name, self.pack, self.link)


@dataclass(frozen=True, order=True)
class RowProblem:
    line: int
    field: str
    problem: str

    def __str__(self) -> str:
        return f"line {self.line}, field {self.field}: {self.problem}"


def row_key(name: str, pack: str, link: str | None) -> str:
    """The loop's idempotence key: which candidate, for which role.

    The name (case and spacing aside), the role pack and the link (the ATS profile, an export's
    own identity for a candidate) say who the loop is for. The hiring manager, team and profile
    are the loop's plan: editing them in the file after a loop was opened does not open it again
    (change them in its channel). A new name or link is a new candidate, and opens a new loop.
    """
    ident = "\x1f".join((" ".join(name.split()).casefold(), pack.strip(), (link or "").strip()))
    # Alphanumeric and 64 characters long, like the view ids the same unique column holds.
    return KEY_PREFIX + sha256(ident.encode()).hexdigest()[: 64 - len(KEY_PREFIX)]


def batch_key(rows: list[ImportRow]) -> str:
    """The import's identity: its rows' keys, in order. The same file run again is the same
    import, so its loops keep their numbers; a file with rows added, dropped or moved is another."""
    return sha256("\n".join(row.key for row in rows).encode()).hexdigest()


def parse(data: bytes) -> tuple[list[ImportRow], list[RowProblem]]:
    """Every well-formed row, and every problem found, in the order of the file."""
    try:
        text = data.decode("utf-8-sig")  # spreadsheets save "CSV UTF-8" with a byte-order mark
    except UnicodeDecodeError as exc:
        offset = exc.start + (3 if data.startswith(b"\xef\xbb\xbf") else 0)  # counted after the mark
        line = data[:offset].count(b"\n") + 1
        return [], [RowProblem(line, "file", "this is not UTF-8 text; save the export as CSV UTF-8")]
    reader = csv.reader(io.StringIO(text, newline=""))
    rows: list[ImportRow] = []
    problems: list[RowProblem] = []
    columns: dict[str, int] | None = None
    width, records, start = 0, 0, 1
    try:
        for record in reader:
            line, start = start, reader.line_num + 1
            if not any(cell.strip() for cell in record):
                continue
            if columns is None:
                columns, header_problems = _header(record, line)
                if header_problems:
                    return [], header_problems
                width = len(record)
                continue
            records += 1
            if records > MAX_ROWS:
                return [], [RowProblem(line, "file", f"more than {MAX_ROWS} rows; split the file")]
            if any(cell.strip() for cell in record[width:]):
                # A comma inside an unquoted cell (`Smith, Jo`) shifts every cell after it.
                problems.append(RowProblem(line, "row", "more cells than the first line; quote cells with commas"))
                continue
            row, row_problems = _row(record, columns, line)
            problems += row_problems
            if row is not None:
                rows.append(row)
    except csv.Error as exc:
        # The reader cannot find the next row after this, so nothing past it is checked.
        return [], [*problems, RowProblem(reader.line_num, "file", f"not a well-formed CSV file ({exc})")]
    if columns is None:
        return [], [RowProblem(1, "file", "the file is empty; the first line names the columns")]
    problems += _repeats(rows)
    return rows, sorted(problems)


def _header(record: list[str], line: int) -> tuple[dict[str, int], list[RowProblem]]:
    columns: dict[str, int] = {}
    problems: list[RowProblem] = []
    for index, cell in enumerate(record):
        label = " ".join(cell.replace("_", " ").replace("-", " ").split()).casefold()
        field = ALIASES.get(label, label)
        if field not in FIELDS:
            continue  # exports carry more columns than these: they are left alone
        if field in columns:
            problems.append(RowProblem(line, field, "this column appears twice"))
        columns[field] = index
    for field in REQUIRED:
        if field not in columns:
            problems.append(RowProblem(line, field, f"the first line has no {field} column"))
    return columns, problems


def _row(record: list[str], columns: dict[str, int], line: int) -> tuple[ImportRow | None, list[RowProblem]]:
    def cell(field: str) -> str:
        index = columns.get(field)
        return record[index].strip() if index is not None and index < len(record) else ""

    problems: list[RowProblem] = []

    def check(field: str, problem: str | None) -> None:
        if problem:
            problems.append(RowProblem(line, field, problem))

    name, pack, profile, manager, link = cell(NAME), cell(PACK), cell(PROFILE), cell(MANAGER), cell(LINK)
    team = tuple(dict.fromkeys(u for u in _TEAM_SPLIT.split(cell(TEAM)) if u))
    check(NAME, _name_problem(name))
    check(PACK, _plain_problem(pack, "the role pack's key, such as ml-engineer"))
    check(PROFILE, _plain_problem(profile, "the profile's key, such as balanced"))
    check(MANAGER, _member_problem(manager) if manager else "empty; give the hiring manager's Slack member id")
    bad_team = [u for u in team if _member_problem(u)]
    check(TEAM, f"{len(bad_team)} of the {len(team)} are not Slack member ids (U…)" if bad_team else None)
    check(TEAM, f"more than {MAX_TEAM} people; add the rest in the channel" if len(team) > MAX_TEAM else None)
    check(LINK, url_problem(link) if link else None)  # the one link rule, as in the new-loop modal
    if problems:
        return None, problems
    return ImportRow(line, name, pack, profile, manager, team, link or None), []


def _name_problem(name: str) -> str | None:
    if not name:
        return "empty; give the candidate's name"
    if len(name) > MAX_NAME:
        return f"keep the name under {MAX_NAME} characters"
    if has_control(name):
        return "remove the control characters (such as NUL or a line break) from the name"
    return None


def _plain_problem(value: str, what: str) -> str | None:
    if not value:
        return f"empty; give {what}"
    if len(value) > 80 or has_control(value):
        return f"not a key; give {what}"
    return None


def _member_problem(user_id: str) -> str | None:
    """Slack member ids (U…, or W… in an Enterprise Grid): the ids Slack's user pickers give."""
    if bad_user_id(user_id) or user_id[0] not in "UW" or not user_id.isascii() or not user_id.isupper():
        return "not a Slack member id (U…); copy it from the person's profile, More > Copy member ID"
    return None


def _repeats(rows: list[ImportRow]) -> list[RowProblem]:
    """Two rows for one candidate and role would be one loop: the later one is refused."""
    first: dict[str, int] = {}
    problems = []
    for row in rows:
        if row.key in first:
            problems.append(
                RowProblem(row.line, NAME, f"the same candidate, role pack and link as line {first[row.key]}")
            )
        else:
            first[row.key] = row.line
    return problems
