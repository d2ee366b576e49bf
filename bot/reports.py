"""`hirebot report loops|interviewers|competencies` as text: the App Home dashboard's numbers, every row.

A table for people, CSV and JSON for other tools (stdlib csv and json). The numbers come from
bot/services/dashboard_data.py, the same read model the Home shows. Text people typed (candidate
names) is made harmless for where it goes: control characters never reach a terminal, and a CSV cell
never starts like a spreadsheet formula.
"""

from __future__ import annotations

import csv
import io
import json
import unicodedata
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from bot import agreement_report
from bot.services.dashboard import ON_TIME_GOAL, Dashboard, OpenLoop, StageFlow, Timeliness
from bot.services.dashboard_data import by_interviewer_overdue
from bot.services.leniency import Leniency

SUBJECTS = ("loops", "interviewers", "competencies")
FORMATS = agreement_report.FORMATS
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
LOOP_FIELDS = (
    "candidate_id",
    "candidate",
    "days_open",
    "target_weeks",
    "state",
    "next_step",
    "stage",
    "at",
    "waiting_on",
    "overdue_scorecards",
)
STAGE_FIELDS = ("pack", "stage", "reached", "went_on", "stopped", "still_open", "pass_rate")
INTERVIEWER_FIELDS = (
    "interviewer",
    "due",
    "on_time",
    "on_time_share",
    "median_hours_to_scorecard",
    "overdue_now",
    "leniency",
    "leniency_low",
    "leniency_high",
)
OVERDUE_FIELDS = ("interviewer", "candidate_id", "candidate", "stage", "ended", "hours_late")


def render(subject: str, board: Dashboard, fmt: str) -> str:
    """The whole report as one string. Raises ValueError for a subject or format it does not know."""
    if subject not in SUBJECTS:
        raise ValueError(f"no report {subject!r}; choose one of {', '.join(SUBJECTS)}")
    if fmt not in FORMATS:
        raise ValueError(f"no format {fmt!r}; choose one of {', '.join(FORMATS)}")
    if subject == "competencies":
        return agreement_report.render(board.agreement, fmt, subject="competency", units="candidates")
    records, extra, table = (_loops if subject == "loops" else _interviewers)(board)
    if fmt == "json":
        document = {"as_of": _iso(board.now), "window_days": board.window_days, **extra}
        return json.dumps(document, indent=2, ensure_ascii=False)
    if fmt == "csv":
        return _csv(records, LOOP_FIELDS if subject == "loops" else INTERVIEWER_FIELDS)
    return table()


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat(timespec="seconds")


def _round(value: float | None, digits: int = 2) -> float | None:
    return None if value is None else round(value, digits)


def loop_record(row: OpenLoop) -> dict[str, Any]:
    return {
        "candidate_id": row.candidate_id,
        "candidate": row.name,
        "days_open": row.days_open,
        "target_weeks": f"{row.target_weeks[0]}-{row.target_weeks[1]}",
        "state": row.pace_label,
        "next_step": str(row.next_step.step),
        "stage": row.next_step.stage_name,
        "at": _iso(row.next_step.at),
        "waiting_on": " ".join(row.next_step.waiting_on),
        "overdue_scorecards": row.overdue,
    }


def stage_record(flow: StageFlow) -> dict[str, Any]:
    return {
        "pack": flow.pack,
        "stage": flow.stage_name,
        "reached": flow.reached,
        "went_on": flow.went_on,
        "stopped": flow.stopped,
        "still_open": flow.still_open,
        "pass_rate": _round(flow.rate, 4),
    }


def _loops(board: Dashboard) -> tuple[list[dict], dict, Callable[[], str]]:
    records = [loop_record(r) for r in board.open_loops]
    stages = [stage_record(f) for f in board.stages]
    made = board.decisions
    decision = {"decided": made.decided, "hired": made.hired, "median_days": _round(made.median_days, 1)}
    extra = {"open_loops": records, "stages": stages, "time_to_decision": decision}

    def table() -> str:
        median = "-" if made.median_days is None else f"{made.median_days:.1f} days"
        return "\n".join(
            [
                f"Open loops ({len(records)}), oldest first",
                "",
                text_table(records, LOOP_FIELDS),
                "",
                f"Stage pass-through, last {board.window_days} days (went on: reached a later stage, or hired)",
                "",
                text_table(stages, STAGE_FIELDS),
                "",
                f"Time to decision, last {board.window_days} days: median {median} over "
                f"{made.decided} decisions ({made.hired} hired)",
            ]
        )

    return records, extra, table


def timeliness_record(row: Timeliness, overdue: int, lenient: Leniency | None) -> dict[str, Any]:
    shown = lenient is not None and lenient.shown
    return {
        "interviewer": row.interviewer_id,
        "due": row.due,
        "on_time": row.on_time,
        "on_time_share": _round(row.share, 4),
        "median_hours_to_scorecard": _round(row.median_hours, 1),
        "overdue_now": overdue,
        # Leniency only where its 95% interval excludes 0 (as in the App Home).
        "leniency": _round(lenient.estimate) if shown and lenient else None,
        "leniency_low": _round(lenient.low) if shown and lenient else None,
        "leniency_high": _round(lenient.high) if shown and lenient else None,
    }


def _interviewers(board: Dashboard) -> tuple[list[dict], dict, Callable[[], str]]:
    late = by_interviewer_overdue(board.overdue)
    lenient = {row.interviewer_id: row for row in board.leniency}
    rows = list(board.interviewers)
    seen = {row.interviewer_id for row in rows}
    rows += [Timeliness(person, 0, 0, 0, None) for person in sorted(set(late) - seen)]
    records = [
        timeliness_record(r, late.get(r.interviewer_id or "", 0), lenient.get(r.interviewer_id or "")) for r in rows
    ]
    overall = board.timeliness
    overdue = [
        {
            "interviewer": o.interviewer_id,
            "candidate_id": o.candidate_id,
            "candidate": o.candidate_name,
            "stage": o.stage_name,
            "ended": _iso(o.ends_at),
            "hours_late": _round(o.hours_late, 1),
        }
        for o in board.overdue
    ]
    extra = {
        "on_time_goal": ON_TIME_GOAL,
        "overall": {"due": overall.due, "on_time": overall.on_time, "on_time_share": _round(overall.share, 4)},
        "interviewers": records,
        "overdue": overdue,
    }

    def table() -> str:
        share = "-" if overall.share is None else f"{overall.share:.0%}"
        return "\n".join(
            [
                f"Scorecards in within 24 hours, last {board.window_days} days: {share} of {overall.due} "
                f"(goal {ON_TIME_GOAL:.0%})",
                "",
                text_table(records, INTERVIEWER_FIELDS),
                "",
                f"Overdue scorecards ({len(overdue)})",
                "",
                text_table(overdue, OVERDUE_FIELDS),
            ]
        )

    return records, extra, table


def _cell(value: Any) -> str:
    """A value as one line of plain text: control and format characters (escape sequences, newlines,
    bidirectional overrides) become '?', so a name cannot rewrite the terminal."""
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:g}"
    return "".join("?" if unicodedata.category(ch) in ("Cc", "Cf") else ch for ch in str(value))


def text_table(records: Sequence[dict[str, Any]], fields: Sequence[str]) -> str:
    """Columns padded to their widest cell; the header alone, then "(none)", when there are no rows."""
    header = list(fields)
    if not records:
        return "  ".join(header) + "\n(none)"
    rows = [header] + [[_cell(record[key]) for key in header] for record in records]
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip() for row in rows
    )


def _csv_cell(value: Any) -> Any:
    """Text that a spreadsheet would run as a formula gets a leading apostrophe (OWASP's advice)."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return "" if value is None else value


def _csv(records: Sequence[dict[str, Any]], fields: Sequence[str]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(fields), lineterminator="\n")
    writer.writeheader()
    for record in records:
        writer.writerow({key: _csv_cell(value) for key, value in record.items()})
    return out.getvalue().rstrip("\n")
