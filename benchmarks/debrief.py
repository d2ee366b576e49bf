"""How long the debrief pre-read takes to build, and how many SQL statements it costs.

    .venv/bin/python benchmarks/debrief.py

Seeds loops of 3, 6 and 12 scorecards (SQLite, a temporary file), then times
DebriefService.summary (the database read and the pure summary) and the Block Kit
rendering. The statement count must not grow with the number of scorecards. Exits 0
whatever the numbers are.
"""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import event

from bot.services.debrief import DebriefService
from bot.services.loop_channel import LoopChannel
from bot.services.reminders import ReminderPlanner
from db.models import Base, Candidate, Interview, LoopStatus, RaisedRedFlag, Rating, Scorecard
from db.session import Database, make_engine
from handlers.builders import BlockKitRenderer
from handlers.builders.debrief import debrief as render
from rubrics.loader import RubricRegistry

NOW = datetime(2030, 3, 12, 13, 0, tzinfo=UTC)
RUBRICS = RubricRegistry.from_directory()
PACK = RUBRICS.get("ml-engineer")


class StatementCounter:
    def __init__(self, engine) -> None:
        self.count = 0
        event.listen(engine, "before_cursor_execute", self._count)

    def _count(self, *args: object) -> None:
        self.count += 1


def seed(db: Database, scorecards: int, candidate_id: int) -> None:
    with db.transaction() as session:
        candidate = Candidate(
            id=candidate_id,
            name=f"Candidate {candidate_id}",
            pack="ml-engineer",
            pack_version=1,
            profile="modelling_heavy",
            recruiter_id="U0R",
            hiring_manager_id="U0M",
            channel_id=f"C{candidate_id}",
            status=LoopStatus.OPEN,
            created_by="U0R",
            created_at=NOW - timedelta(days=25),
        )
        session.add(candidate)
        for n in range(scorecards):
            stage = PACK.stages[n % len(PACK.stages)]
            interview = Interview(
                candidate=candidate,
                stage_key=stage.key,
                interviewer_id=f"U{n:03d}",
                starts_at=NOW - timedelta(days=3, hours=n),
                duration_minutes=60,
                timezone="Europe/London",
            )
            card = Scorecard(
                interview=interview,
                interviewer_id=interview.interviewer_id,
                pack="ml-engineer",
                pack_version=1,
                recommendation=["yes", "no", "strong_yes"][n % 3],
                submitted_at=NOW,
            )
            card.ratings = [
                Rating(
                    competency_key=k,
                    competency_name=PACK.competency(k).name,
                    rating=1 + (n + i) % 4,
                    evidence="Walked through the trade-offs.",
                )
                for i, k in enumerate(stage.competencies)
            ]
            card.red_flags = [
                RaisedRedFlag(
                    flag_key=k, flag_label=PACK.red_flag(k).label, evidence="Could not say how the model was monitored."
                )
                for k in stage.red_flags[: 1 + n % 2]
            ]
            session.add_all([interview, card])


def main() -> int:
    rows = []
    example = None
    with tempfile.TemporaryDirectory() as tmp:
        db = Database(make_engine(f"sqlite:///{tmp}/bench.db"))
        Base.metadata.create_all(db.engine)
        counter = StatementCounter(db.engine)
        service = DebriefService(
            db,
            None,
            RUBRICS,
            BlockKitRenderer(),
            lambda: NOW,  # type: ignore[arg-type]
            LoopChannel(db, None, RUBRICS, BlockKitRenderer(), None, lambda: NOW),  # type: ignore[arg-type]
            ReminderPlanner(),
        )
        for candidate_id, count in enumerate((3, 6, 12), start=1):
            seed(db, count, candidate_id)
            service.summary(candidate_id)  # warm-up
            build, draw = [], []
            for _ in range(200):
                counter.count = 0
                start = time.perf_counter()
                summary = service.summary(candidate_id)
                build.append((time.perf_counter() - start) * 1000)
                statements = counter.count
                start = time.perf_counter()
                message = render(summary, candidate_id, [])
                draw.append((time.perf_counter() - start) * 1000)
            rows.append(
                (
                    count,
                    statements,
                    statistics.median(build),
                    statistics.median(draw),
                    len(message.blocks),
                    len(summary.flags),
                )
            )
            example = (summary, message)
    print("\nDebrief pre-read: build (database read + summary) and Block Kit rendering, 200 runs, SQLite\n")
    print(f"{'scorecards':>10}{'SQL statements':>16}{'build ms':>10}{'render ms':>11}{'blocks':>8}{'red flags':>11}")
    for count, statements, build_ms, draw_ms, blocks, flags in rows:
        print(f"{count:>10}{statements:>16}{build_ms:>10.2f}{draw_ms:>11.3f}{blocks:>8}{flags:>11}")
    if example and "--show" in sys.argv:
        print("\nText:", example[1].text)
        print(json.dumps(example[1].blocks, indent=1, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
