"""`hirebot report load` as text: a table for people, CSV and JSON for other tools.

The numbers come from bot/services/load.py (LoadService.report), which any other view can
call for the same figures."""

from __future__ import annotations

import csv
import io
import json

from bot.services.load import LoadReport, WeekLoad

FORMATS = ("table", "csv", "json")


def render(report: LoadReport, fmt: str) -> str:
    """The whole report as one string, so that a caller prints all of it or nothing."""
    if fmt == "json":
        return _json(report)
    if fmt == "csv":
        return _csv(report)
    return _table(report)


def _cell(load: WeekLoad | None) -> str:
    if load is None:
        return "-"
    return f"{load.interviews}/{load.cap}" + (" !" if load.over else "")


def _table(report: LoadReport) -> str:
    people = sorted({row.user_id for row in report.rows})
    by_key = {(row.user_id, row.week): row for row in report.rows}
    header = ["person", *report.weeks]
    rows = [header] + [[user, *(_cell(by_key.get((user, week))) for week in report.weeks)] for user in people]
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = [f"Interviews per person per ISO week (weeks start Monday, {report.zone}), against each weekly cap", ""]
    for row in rows:
        lines.append(
            "  ".join(
                [row[0].ljust(widths[0]), *(c.rjust(w) for c, w in zip(row[1:], widths[1:], strict=True))]
            ).rstrip()
        )
    if not people:
        lines.append("(no interviews in these weeks)")
    lines.append("")
    over = report.over
    if over:
        lines.append(
            "Over their cap (!): " + ", ".join(f"{r.user_id} in {r.week} ({r.interviews}/{r.cap})" for r in over)
        )
    else:
        lines.append("Nobody is over their cap.")
    lines.append("Cells are interviews/cap; cancelled interviews are not counted.")
    return "\n".join(lines)


def _records(report: LoadReport) -> list[dict]:
    return [
        {
            "person": r.user_id,
            "week": r.week,
            "week_start": r.monday.isoformat(),
            "interviews": r.interviews,
            "cap": r.cap,
            "over_cap": r.over,
        }
        for r in report.rows
    ]


def _json(report: LoadReport) -> str:
    document = {
        "zone": report.zone,
        "weeks": report.weeks,
        "rows": _records(report),
        "over_cap": [{"person": r.user_id, "week": r.week} for r in report.over],
    }
    return json.dumps(document, indent=2, ensure_ascii=False)


def _csv(report: LoadReport) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(
        out, fieldnames=["person", "week", "week_start", "interviews", "cap", "over_cap"], lineterminator="\n"
    )
    writer.writeheader()
    for record in _records(report):
        writer.writerow({**record, "over_cap": "yes" if record["over_cap"] else "no"})
    return out.getvalue().rstrip("\n")
