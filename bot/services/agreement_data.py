"""Where agreement data comes from: the panel's submitted ratings, or a `unit,rater,value` CSV file."""

from __future__ import annotations

import csv
import io
import math
from collections import defaultdict
from collections.abc import Collection
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.errors import HirebotError
from bot.services.agreement import Level, Observation
from db.models import Candidate, Interview, InterviewStatus, LoopStatus, Rating, Scorecard
from db.session import Database

# The scorecard's rating scale (db.models.Rating's CHECK): ordinal alpha needs the whole scale.
RATING_SCALE = (1, 2, 3, 4)
COLUMNS = ("unit", "rater", "value")


def panel_ratings(db: Database) -> dict[str, list[Observation]]:
    """Every submitted rating, per competency (`pack/key`), in one statement however many loops there are."""
    with db.transaction() as session:
        return ratings_in(session)


def ratings_in(
    session: Session, *, pack: str | None = None, raters: Collection[str] | None = None
) -> dict[str, list[Observation]]:
    """Submitted ratings per competency (`pack/key`), in one statement.

    The unit is (candidate, competency) and the rater is the interviewer. Cancelled interviews
    and purged loops do not count. If one interviewer rated the same candidate on the same
    competency in two interviews, the later interview's rating stands: alpha allows one value
    per rater and unit, and counting both would pair a person with themselves.
    `pack` keeps one pack's ratings; `raters` keeps the candidates any of them interviewed
    (with all of their panel's ratings, which is what comparing them with panel mates needs).
    """
    query = (
        select(
            Scorecard.pack,
            Rating.competency_key,
            Interview.candidate_id,
            Interview.interviewer_id,
            Rating.rating,
        )
        .join(Rating.scorecard)
        .join(Scorecard.interview)
        .join(Interview.candidate)
        .where(Interview.status == InterviewStatus.SCHEDULED, Candidate.status != LoopStatus.PURGED)
        .order_by(Interview.starts_at, Interview.id)
    )
    if pack is not None:
        query = query.where(Scorecard.pack == pack)
    if raters is not None:
        theirs = select(Interview.candidate_id).where(Interview.interviewer_id.in_(list(raters)))
        query = query.where(Interview.candidate_id.in_(theirs))
    latest: dict[tuple[str, str], dict[tuple[int, str], int]] = defaultdict(dict)
    for pack_key, key, candidate_id, interviewer_id, rating in session.execute(query):
        latest[(pack_key, key)][(candidate_id, interviewer_id)] = rating
    return {
        f"{pack_key}/{key}": [Observation(candidate, rater, value) for (candidate, rater), value in ratings.items()]
        for (pack_key, key), ratings in sorted(latest.items())
    }


class RatingsFileError(HirebotError):
    """A ratings file that cannot be read: the message names the line and the column."""


def read_ratings_file(path: Path, level: Level) -> list[Observation]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise RatingsFileError(f"cannot read {path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        line = path.read_bytes()[: exc.start].count(b"\n") + 1
        raise RatingsFileError(f"line {line}: {path} is not UTF-8 text") from None
    return parse_ratings_csv(text, level)


def parse_ratings_csv(text: str, level: Level) -> list[Observation]:
    """`unit,rater,value` rows. An empty value is a missing rating. Values must be numbers unless
    the level is nominal. Raises RatingsFileError on the first bad line, so nothing is half-read."""
    rows = csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline=""), strict=True)
    header = [cell.strip().lower() for cell in next(rows, [])]
    if tuple(header) != COLUMNS:
        raise RatingsFileError(f"line 1: the header must be {','.join(COLUMNS)}, found {_show(','.join(header))}")
    observations: list[Observation] = []
    first_seen: dict[tuple[str, str], int] = {}
    try:
        for row in rows:
            line = rows.line_num
            if not any(cell.strip() for cell in row):
                continue
            if len(row) != len(COLUMNS):
                raise RatingsFileError(f"line {line}: expected 3 columns (unit,rater,value), found {len(row)}")
            unit, rater, raw = (cell.strip() for cell in row)
            for column, cell in (("unit", unit), ("rater", rater)):
                if not cell:
                    raise RatingsFileError(f"line {line}, column {column}: empty")
            if not raw:
                continue
            if (unit, rater) in first_seen:
                raise RatingsFileError(
                    f"line {line}: rater {_show(rater)} already rated unit {_show(unit)} on line "
                    f"{first_seen[(unit, rater)]}"
                )
            first_seen[(unit, rater)] = line
            observations.append(Observation(unit, rater, _value(raw, level, line)))
    except csv.Error as exc:
        raise RatingsFileError(f"line {rows.line_num}: {exc}") from None
    return observations


def _value(raw: str, level: Level, line: int) -> str | float:
    if level == "nominal":
        return raw
    try:
        value = float(raw)
    except ValueError:
        raise RatingsFileError(f"line {line}, column value: {_show(raw)} is not a number ({level} level)") from None
    if not math.isfinite(value):
        raise RatingsFileError(f"line {line}, column value: {_show(raw)} is not a finite number")
    if level == "ratio" and value < 0:
        raise RatingsFileError(f"line {line}, column value: {_show(raw)} is negative (ratio level needs >= 0)")
    return value


def _show(text: str, limit: int = 40) -> str:
    """A cell quoted for a one-line message: control characters escaped, long text cut."""
    shown = repr(text[:limit])
    return shown + "…" if len(text) > limit else shown
