"""A hiring event: many loops opened from one file, through the same state machine as `/hire new`.

`validate` checks every row (its cells, its pack and profile, its people in Slack) before
anything is written, and refuses the whole file with every problem listed. `plan` finds each
row's loop by the row's key, or writes it (OPENING) with that key in the unique column a
modal's view id uses and its place in the import (loop N of M, shown on its card). `open`
runs what is left of one loop's set-up through LoopService.

Run again, after an interruption or a failure, the same file finds every row's loop by its
key: complete loops are skipped, unfinished ones (no channel yet, or a set-up step still
marked) are resumed, and a row whose channel Slack refused for good is written afresh.
import_rows.row_key says what an edit to the file between two runs changes.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import select, update

from bot.errors import HirebotError
from bot.services import queries
from bot.services.import_rows import MANAGER, PACK, PROFILE, TEAM, ImportRow, RowProblem, batch_key, parse
from bot.services.loop_channel import SETUP_STEPS
from bot.services.loops import LoopService
from bot.services.opening import ImportPlace, NewLoop
from db.models import Candidate
from db.session import Database
from rubrics.loader import RubricError, RubricRegistry

log = logging.getLogger(__name__)

# Every step of opening a loop, in the order it runs; a loop with none of them marked is complete.
ALL_STEPS = ("channel", *SETUP_STEPS, "card")
OPENED, RESUMED, SKIPPED, INCOMPLETE, FAILED, REFUSED, BUSY = (
    "opened",
    "resumed",
    "already complete",
    "incomplete",
    "no channel yet",
    "refused by Slack",
    "being set up by another run",
)


class ImportRefused(HirebotError):
    """The file has problems: all of them, and nothing was written."""

    def __init__(self, problems: list[RowProblem]):
        self.problems = problems
        lines = "\n".join(str(p) for p in problems)
        super().__init__(
            f"{lines}\n{len(problems)} problem(s) in the file; nothing was imported. Fix them and run the import again."
        )


@dataclass(frozen=True)
class Planned:
    row: ImportRow
    candidate_id: int
    steps: tuple[str, ...]  # the steps still to run, in ALL_STEPS' terms; empty: the loop is complete


@dataclass(frozen=True)
class Outcome:
    line: int
    candidate_id: int
    state: str
    problems: tuple[str, ...] = ()  # "step: Slack's error code", never a name

    @property
    def complete(self) -> bool:
        return self.state in (OPENED, RESUMED, SKIPPED)


class CandidateImport:
    def __init__(self, loops: LoopService, db: Database, rubrics: RubricRegistry):
        self.loops = loops
        self.db = db
        self.rubrics = rubrics

    def validate(self, data: bytes, recruiter: str) -> list[ImportRow]:
        """Every row, checked; ImportRefused lists each problem. Only users.info reaches Slack."""
        self.loops.ensure_recruiter(recruiter)
        rows, problems = parse(data)
        problems += [p for row in rows for p in self._pack_problems(row)]
        problems += self._people_problems(rows)
        if problems:
            raise ImportRefused(sorted(problems))
        return rows

    def _pack_problems(self, row: ImportRow) -> list[RowProblem]:
        try:
            pack = self.rubrics.get(row.pack)
        except RubricError:
            known = ", ".join(sorted(p.pack for p in self.rubrics.all()))
            return [RowProblem(row.line, PACK, f"no such role pack; installed: {known}")]
        if row.profile not in {p.key for p in pack.profiles}:
            known = ", ".join(p.key for p in pack.profiles)
            return [RowProblem(row.line, PROFILE, f"no such profile in {pack.pack}; it has: {known}")]
        return []

    def _people_problems(self, rows: list[ImportRow]) -> list[RowProblem]:
        """Each person is looked up once however many rows name them (users.info is Tier 4)."""
        people = dict.fromkeys(u for row in rows for u in (row.hiring_manager, *row.team))
        found = {user: self.loops.person_problem(user) for user in people}
        problems = []
        for row in rows:
            manager = found[row.hiring_manager]
            if manager:
                problems.append(RowProblem(row.line, MANAGER, manager))
            # The ids passed the member-id check, so they are safe to show.
            problems += [RowProblem(row.line, TEAM, f"{u}: {found[u]}") for u in row.team if found[u]]
        return problems

    def plan(self, rows: list[ImportRow], recruiter: str) -> list[Planned]:
        """Each row's loop, found by its key or written now with its place in this import
        ("loop 3 of 50"), with the steps it still needs."""
        planned, batch = [], batch_key(rows)
        for position, row in enumerate(rows, start=1):
            place = ImportPlace(batch, position, len(rows))
            candidate_id = self._find(row.key, place)
            if candidate_id is None:
                form = NewLoop(
                    candidate_name=row.name,
                    pack=row.pack,
                    profile=row.profile,
                    recruiter_id=recruiter,
                    hiring_manager_id=row.hiring_manager,
                    team=list(row.team),
                    resume_url=row.link,
                    imported=place,
                )
                # None: a run beside this one wrote it first; it is the same loop either way.
                candidate_id = self.loops.begin_loop(form, recruiter, row.key) or self._find(row.key, place)
            if candidate_id is None:  # written by another run and discarded by it since
                raise HirebotError(f"line {row.line}: another import changed this row's loop; run the import again.")
            planned.append(Planned(row, candidate_id, self._left(candidate_id)))
        return planned

    def open(self, planned: Planned) -> Outcome:
        """Run what is left of one loop's set-up, and say how it ended."""
        line, candidate_id = planned.row.line, planned.candidate_id
        if not planned.steps:
            return Outcome(line, candidate_id, SKIPPED)
        opened = self.loops.open_loop(candidate_id)
        if opened is None:
            return Outcome(line, candidate_id, BUSY)
        problems = self._problems(candidate_id)
        if opened.refused:
            # Nothing exists in Slack: the row is written afresh by the next run.
            self.loops.discard_refused(candidate_id)
            return Outcome(line, candidate_id, REFUSED, problems)
        left = self._left(candidate_id)
        if "channel" in left:
            return Outcome(line, candidate_id, FAILED, problems)
        if left:
            return Outcome(line, candidate_id, INCOMPLETE, problems)
        return Outcome(line, candidate_id, OPENED if "channel" in planned.steps else RESUMED)

    def _find(self, key: str, place: ImportPlace) -> int | None:
        """The row's loop, if written. A loop keeps the place it was written with (a rerun does
        not renumber it); one written before imports were numbered takes this one."""
        with self.db.transaction() as session:
            candidate_id = session.scalar(select(Candidate.id).where(Candidate.view_id == key))
            if candidate_id is not None:
                session.execute(
                    update(Candidate)
                    .where(Candidate.id == candidate_id, Candidate.import_batch.is_(None))
                    .values(import_batch=place.batch, import_position=place.position, import_total=place.total)
                )
            return candidate_id

    def _left(self, candidate_id: int) -> tuple[str, ...]:
        with self.db.transaction() as session:
            candidate = queries.candidate(session, candidate_id)
            marked = {p.split(":", 1)[0] for p in candidate.problems}
            if candidate.channel_id is None:
                left = set(ALL_STEPS)
            elif "channel" in marked:  # a run stopped before it marked the set-up steps: all of them
                left = set(ALL_STEPS) - {"channel"}
            else:
                left = marked & set(ALL_STEPS)
            if not candidate.resume_url:
                left.discard("bookmark")  # nothing to bookmark: that step makes no call
            return tuple(step for step in ALL_STEPS if step in left)

    def _problems(self, candidate_id: int) -> tuple[str, ...]:
        with self.db.transaction() as session:
            problems = queries.candidate(session, candidate_id).problems
            return tuple(p for p in problems if p.split(":", 1)[0] in ALL_STEPS)
