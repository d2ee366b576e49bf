"""`hirebot report agreement` as text: a table for people, CSV and JSON for other tools."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence

from bot.services.agreement import MIN_UNITS, RELIABLE, TENTATIVE, Agreement, Verdict, needs_work

FORMATS = ("table", "csv", "json")
SOURCE = "Krippendorff (2004), Content Analysis, 2nd ed."


def render(results: Sequence[Agreement], fmt: str, subject: str = "variable", units: str = "units") -> str:
    """The whole report as one string, so that a caller prints all of it or nothing.

    `subject` and `units` are the words for what was measured and what was rated: a file's
    variable and units, or the panel's competencies and candidates."""
    if fmt == "json":
        return _json(results, subject, units)
    if fmt == "csv":
        return _csv(results, subject, units)
    return _table(results, subject, units)


def _alpha(result: Agreement) -> str:
    return "" if result.alpha is None else f"{result.alpha:.3f}"


def _table(results: Sequence[Agreement], subject: str, units: str) -> str:
    level = results[0].level if results else "ordinal"
    header = (subject, "alpha", "verdict", units, "pairable ratings", "raters")
    rows = [header] + [
        (r.name, _alpha(r) or "-", str(r.verdict), str(r.units), str(r.pairable), str(r.raters)) for r in results
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = [f"Krippendorff's alpha, {level} level", ""]
    for row in rows:
        cells = [row[0].ljust(widths[0]), row[1].rjust(widths[1]), row[2].ljust(widths[2])]
        cells += [cell.rjust(width) for cell, width in zip(row[3:], widths[3:], strict=True)]
        lines.append("  ".join(cells).rstrip())
    if not results:
        lines.append("(no ratings)")
    lines.append("")
    weak = needs_work(results)
    tentative = [r for r in results if r.verdict is Verdict.TENTATIVE]
    if weak:
        lines.append(f"Anchors need work (alpha < {TENTATIVE:.3f}): " + ", ".join(r.name for r in weak))
    if tentative:
        lines.append("Tentative, worth a look: " + ", ".join(r.name for r in tentative))
    lines.append(
        f"Reading: alpha >= {RELIABLE:.3f} reliable, >= {TENTATIVE:.3f} tentative, below that unreliable ({SOURCE})."
    )
    lines.append(f"Fewer than {MIN_UNITS} {units} rated by two or more raters: not enough data, no alpha.")
    return "\n".join(lines)


def _records(results: Sequence[Agreement], subject: str, units: str) -> list[dict]:
    return [
        {
            subject: r.name,
            "level": r.level,
            "alpha": None if r.alpha is None else round(r.alpha, 6),
            "verdict": str(r.verdict),
            units: r.units,
            "pairable_ratings": r.pairable,
            "raters": r.raters,
        }
        for r in results
    ]


def _json(results: Sequence[Agreement], subject: str, units: str) -> str:
    document = {
        "thresholds": {"reliable": RELIABLE, "tentative": TENTATIVE, "source": SOURCE},
        "min_units": MIN_UNITS,
        "results": _records(results, subject, units),
        "anchors_need_work": [r.name for r in needs_work(results)],
    }
    return json.dumps(document, indent=2, ensure_ascii=False)


def _csv(results: Sequence[Agreement], subject: str, units: str) -> str:
    out = io.StringIO()
    fields = [subject, "level", "alpha", "verdict", units, "pairable_ratings", "raters"]
    writer = csv.DictWriter(out, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    for record in _records(results, subject, units):
        writer.writerow({**record, "alpha": "" if record["alpha"] is None else f"{record['alpha']:.6f}"})
    return out.getvalue().rstrip("\n")
