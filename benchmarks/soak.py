"""Soak: the Procfile's processes under steady traffic for a bounded time, sampled for growth.

    .venv/bin/python benchmarks/soak.py [--database-url URL] [--minutes 20] [--interval 30]
                                        [--warm-up-minutes 2] [--clients 4] [--pause 0.2]
                                        [--loops 30] [--due-every 10] [--due-batch 4]

Seeds loops through the services layer against the Slack emulator (traffic.py), then runs
the Procfile's `web:` (gunicorn, 2 workers) and `worker:` (`hirebot worker`, the reminder
scheduler) against a fast Web API stub (fast_slack.py: the emulator's 5,000 calls an hour
would run out), with:

  - steady mixed traffic: --clients each sending a signed `/hire status`, scorecard
    submission or *Submit scorecard* click, then pausing --pause seconds;
  - reminders falling due: every --due-every seconds, --due-batch prep-kit reminders due
    now, for the worker's sweep (every 30 s) to send, round a roster of a steady size (400
    interviewers at the defaults: each comes round again a little after the 15 minutes
    between one person's reminder DMs).

Every --interval seconds it samples, and prints as it goes: each process's resident memory
and threads (/proc), the database connections open (pg_stat_activity on PostgreSQL, open
file descriptors on the database file on SQLite), the outbox's oldest due row (its age past
due: the highest of readings every 2 s since the last sample), and the background queue's
depth (hirebot_background_jobs_waiting on /metrics: the web workers' sum and the worker's
own). Then the verdicts, judged after the warm-up:

  - memory growth under 10 MB per process;
  - flat connection and thread counts: no new high after the warm-up, beyond 2 (the pools
    open connections and threads on demand);
  - the oldest due row never older than 60 s.

The database: --database-url, else $HIREBOT_DATABASE_URL, else SQLite (with a warning). It is
emptied and migrated afresh. Exits 0 whatever the numbers are.
"""

from __future__ import annotations

import argparse
import math
import os
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy.engine import Engine  # noqa: E402

from benchmarks.fast_slack import FastSlack, serving  # noqa: E402
from benchmarks.procs import (  # noqa: E402
    HOST,
    children,
    database_url,
    free_port,
    start_gunicorn,
    stop,
    wait_healthy,
)
from benchmarks.soak_sampling import (  # noqa: E402
    LatestDue,
    Proc,
    background_depth,
    db_connections,
    mends,
    own_engine,
    sample_process,
)
from benchmarks.traffic import (  # noqa: E402
    INTERVIEWS_PER_LOOP,
    PACK,
    Load,
    Pacer,
    parse_mix,
    quantile,
    seed,
    server_env,
)
from bot.services.outbox import DM_SPACING  # noqa: E402
from db.models import ReminderKind  # noqa: E402
from db.session import Database  # noqa: E402
from rubrics.loader import RubricRegistry  # noqa: E402
from tests.support.emulator import start_emulator  # noqa: E402
from tests.support.outbox_rows import add_interview, add_loop, add_reminder  # noqa: E402
from tests.support.procfile import procfile  # noqa: E402

# Pools fill on demand (gunicorn's gthread workers start threads as requests overlap; the
# engine opens connections as threads need them): a count may rise by this much after the
# warm-up without being a leak.
GOALS = {"growth_mb": 10.0, "oldest_due_s": 60.0, "slack": 2}


@dataclass
class Row:
    at: float
    procs: dict[str, Proc]
    connections: int
    oldest_due: float
    depth_web: float
    depth_worker: float
    requests: int = 0
    p99_ms: float = float("nan")
    errors: int = 0
    dms: int = 0


@dataclass
class Watched:
    master: int
    scheduler: int
    engine: Engine
    db: Database
    web_metrics: str
    worker_metrics: str
    due: LatestDue
    rows: list[Row] = field(default_factory=list)

    def pids(self) -> dict[str, int]:
        named = {"web master": self.master}
        named.update({f"web {n}": pid for n, pid in enumerate(children(self.master), 1)})
        named["worker"] = self.scheduler
        return named

    def sample(self, at: float) -> Row:
        pids = self.pids()
        return Row(
            at,
            {name: sample_process(pid) for name, pid in pids.items()},
            db_connections(self.engine, list(pids.values())),
            self.due.take(),
            background_depth(self.web_metrics),
            background_depth(self.worker_metrics),
        )


# Reminders falling due.


def feed_reminders(db: Database, stop_: threading.Event, every: float, batch: int) -> None:
    """Every `every` seconds, `batch` prep-kit reminders due now, round the roster."""
    feed = ReminderFeed(db, people=roster_size(every, batch), starts_at=datetime.now(UTC) + timedelta(days=1))
    while not stop_.wait(every):
        feed.add(db, batch, datetime.now(UTC))


def roster_size(every: float, batch: int) -> int:
    """Enough people that each comes round again a little after DM_SPACING (one reminder DM per
    person per 15 minutes): a sweep never holds a reminder back for spacing, and the workspace
    stays the same size all run long (400 people at the defaults, each reminded every 1,000 s)."""
    rounds = math.ceil(DM_SPACING.total_seconds() / every) + 10
    return INTERVIEWS_PER_LOOP * math.ceil(rounds * batch / INTERVIEWS_PER_LOOP)


class ReminderFeed:
    """A workspace of a steady size: `people` interviewers, each with one interview on loops of
    INTERVIEWS_PER_LOOP opened at the start, reminded in turn.

    What a week of real use looks like: the same panel, reminded again and again. Two earlier
    feeders measured growth of the data instead of the service's:
    - every interview on one loop, which grew by 24 a minute, and the worker's read of it grew
      with it;
    - then a new person and a new interview for every reminder: 1,440 people an hour, so the
      recruiters' dashboard (every interviewer's load and numbers) grew all run long, and the
      web workers' memory followed (+15 and +21 MB in an hour, in steps at each new measure of
      the ratings; benchmarks/HISTORY.md)."""

    def __init__(self, db: Database, people: int, starts_at: datetime) -> None:
        self.turn = 0
        with db.transaction() as session:
            loops = [
                add_loop(session, f"Soak Candidate {n}", f"C0SOAK{n:04d}", "U0SOAKREC1", "U0SOAKMGR1")
                for n in range(1, math.ceil(people / INTERVIEWS_PER_LOOP) + 1)
            ]
            self.interviews = [
                (interview.candidate_id, interview.id, interview.interviewer_id)
                for interview in (
                    add_interview(session, loops[n // INTERVIEWS_PER_LOOP], f"U9{n + 1:08d}", starts_at)
                    for n in range(people)
                )
            ]

    def add(self, db: Database, count: int, now: datetime) -> None:
        with db.transaction() as session:
            for _ in range(count):
                candidate_id, interview_id, person = self.interviews[self.turn % len(self.interviews)]
                self.turn += 1
                add_reminder(session, candidate_id, interview_id, person, ReminderKind.PREP_KIT, now)


# The report.

MB = 1024.0


def print_header(names: list[str]) -> None:
    cells = "".join(f"{name + ' MB/thr':>17}" for name in names)
    print(
        f"{'t s':>6}{cells}{'db conn':>9}{'due s':>7}{'bg web':>8}{'bg wrk':>8}"
        f"{'req':>7}{'p99 ms':>8}{'err':>5}{'DMs':>6}"
    )


def print_row(row: Row, names: list[str]) -> None:
    cells = "".join(
        f"{f'{row.procs[n].rss_kb / MB:.1f}/{row.procs[n].threads}':>17}" if n in row.procs else f"{'-':>17}"
        for n in names
    )
    print(
        f"{row.at:>6.0f}{cells}{row.connections:>9}{row.oldest_due:>7.0f}{row.depth_web:>8.0f}{row.depth_worker:>8.0f}"
        f"{row.requests:>7}{row.p99_ms:>8.1f}{row.errors:>5}{row.dms:>6}",
        flush=True,
    )


def verdicts(rows: list[Row], warm_up: float) -> list[str]:
    """One line per goal, judged on the samples from the end of the warm-up on."""
    base = next((r for r in rows if r.at >= warm_up), None)
    if base is None or base is rows[-1]:
        return ["too short: no sample after the warm-up to compare with"]
    during = [r for r in rows if r.at <= base.at]
    after = [r for r in rows if r.at >= base.at]
    last = rows[-1]
    slack = GOALS["slack"]
    lines = []
    for name in base.procs:
        if name not in last.procs:
            lines.append(f"memory  {name}: gone before the end (MISSED)")
            continue
        growth = (last.procs[name].rss_kb - base.procs[name].rss_kb) / MB
        ok = growth < GOALS["growth_mb"]
        lines.append(
            f"memory  {name:<10} {base.procs[name].rss_kb / MB:7.1f} -> {last.procs[name].rss_kb / MB:7.1f} MB "
            f"({growth:+.1f} MB)   goal < {GOALS['growth_mb']:.0f} MB   {'met' if ok else 'MISSED'}"
        )
    for name in base.procs:
        high = max(r.procs[name].threads for r in during if name in r.procs)
        later = max(r.procs[name].threads for r in after if name in r.procs)
        lines.append(
            f"threads {name:<10} highest in warm-up {high}, after {later}   goal: no new high beyond +{slack}   "
            f"{'met' if later <= high + slack else 'MISSED'}"
        )
    high = max(r.connections for r in during)
    later = max(r.connections for r in after)
    lines.append(
        f"db connections        highest in warm-up {high}, after {later} (range after: "
        f"{min(r.connections for r in after)}-{later})   goal: no new high beyond +{slack}   "
        f"{'met' if later <= high + slack else 'MISSED'}"
    )
    oldest = max(r.oldest_due for r in after)
    lines.append(
        f"oldest due row        at most {oldest:.0f} s after warm-up ({max(r.oldest_due for r in during):.0f} s "
        f"during it)   goal < {GOALS['oldest_due_s']:.0f} s   {'met' if oldest < GOALS['oldest_due_s'] else 'MISSED'}"
    )
    return lines


# The run.


def start_scheduler(workdir: Path, env: dict[str, str]) -> subprocess.Popen:
    out = open(workdir / "worker.log", "w")  # the child holds it for its lifetime
    return subprocess.Popen(procfile("worker", HOST, 0), cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)


def wait_metrics(url: str, process: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("hirebot worker exited at start-up")
        try:
            background_depth(url)
            return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError("hirebot worker did not serve /metrics")


def run(args: argparse.Namespace, workdir: Path) -> None:
    url = database_url(args.database_url, workdir, "soak")
    emulator = start_emulator(workdir)
    try:
        seeded = seed(url, emulator, args.loops)
    finally:
        emulator.stop()
    slack = FastSlack()
    stop_ = threading.Event()
    with serving(slack) as api_url:
        env = server_env(url, api_url, seeded)
        env.update(HIREBOT_WORKDAY_START="00:00", HIREBOT_WORKDAY_END="23:59")  # reminders go out at any hour
        port, worker_port = free_port(), free_port()
        web = start_gunicorn(workdir / "web.log", port, env)
        worker_env = {k: v for k, v in env.items() if k != "PROMETHEUS_MULTIPROC_DIR"}
        scheduler = start_scheduler(workdir, {**worker_env, "HIREBOT_METRICS_PORT": str(worker_port)})
        engine = own_engine(url)
        db = Database(engine)
        try:
            wait_healthy(port, web)
            wait_metrics(f"http://{HOST}:{worker_port}/metrics", scheduler)
            watched = Watched(
                web.pid,
                scheduler.pid,
                engine,
                db,
                f"http://{HOST}:{port}/metrics",
                f"http://{HOST}:{worker_port}/metrics",
                LatestDue(db),
            )
            pack = RubricRegistry.from_directory().get(PACK)
            load = Load(port, seeded, slack, pack, args.mix, Pacer(args.clicks_per_minute), pause=args.pause)  # type: ignore[arg-type]
            seconds = args.minutes * 60
            traffic = threading.Thread(target=load.run, args=(args.clients, seconds + 5), kwargs={"stop": stop_})
            feeder = threading.Thread(target=feed_reminders, args=(db, stop_, args.due_every, args.due_batch))
            threading.Thread(target=watched.due.watch, args=(stop_,), daemon=True).start()
            traffic.start()
            feeder.start()
            sample_loop(watched, load, slack, seconds, args)
            mended = mends(watched.worker_metrics)
            print(
                "cards and pre-reads the worker mended (their refresh was lost): "
                + (", ".join(f"{outcome} {count:.0f}" for outcome, count in sorted(mended.items())) or "none")
            )
        finally:
            stop_.set()
            for process in (scheduler, web):
                stop(process, grace=20)
            engine.dispose()
    busiest = ", ".join(f"{m} {n}" for m, n in slack.calls.most_common(6))
    print(f"\nWeb API calls: {sum(slack.calls.values())} ({busiest}); files received at upload URLs: {slack.uploads}")
    print(f"requests sent: {len(load.samples)}, errors: {sum(1 for s in load.samples if s.error)}")
    for name in ("web.log", "worker.log"):
        problems = [line for line in (workdir / name).read_text(errors="replace").splitlines() if " ERROR " in line]
        print(f"{name}: {len(problems)} ERROR lines" + (f"; first: {problems[0][:160]}" if problems else ""))


def sample_loop(watched: Watched, load: Load, slack: FastSlack, seconds: float, args: argparse.Namespace) -> None:
    names = list(watched.pids())
    print(
        f"\nSoak: gunicorn (2 workers) + hirebot worker, {watched.engine.dialect.name}; {args.clients} clients pausing "
        f"{args.pause} s; {args.due_batch} reminders due every {args.due_every:.0f} s; sampled every "
        f"{args.interval:.0f} s for {args.minutes:g} min, warm-up {args.warm_up_minutes:g} min; {os.cpu_count()} CPUs\n"
    )
    print_header(names)
    started = time.monotonic()
    seen, dms = 0, 0
    while True:
        at = time.monotonic() - started
        row = watched.sample(at)
        window = load.samples[seen:]
        seen += len(window)
        row.requests, row.errors = len(window), sum(1 for s in window if s.error)
        row.p99_ms = quantile([s.seconds * 1000 for s in window], 0.99) if window else float("nan")
        row.dms, dms = slack.dms - dms, slack.dms
        watched.rows.append(row)
        print_row(row, names)
        if at >= seconds:
            break
        time.sleep(max(0.0, min(args.interval, seconds - at) - ((time.monotonic() - started) - at)))
    print("\nverdicts (from the end of the warm-up to the last sample)")
    for line in verdicts(watched.rows, args.warm_up_minutes * 60):
        print("  " + line)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="emptied and migrated; default $HIREBOT_DATABASE_URL, else SQLite")
    parser.add_argument("--minutes", type=float, default=20.0, help="how long the traffic runs (at most 240)")
    parser.add_argument("--interval", type=float, default=30.0, help="seconds between samples")
    parser.add_argument("--warm-up-minutes", type=float, default=2.0, help="growth is measured from its end")
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--pause", type=float, default=0.2, help="seconds each client waits between requests")
    parser.add_argument("--loops", type=int, default=30)
    parser.add_argument("--mix", default="status:45,submit:45,click:10")
    parser.add_argument("--clicks-per-minute", type=float, default=30.0)
    parser.add_argument("--due-every", type=float, default=10.0, help="seconds between batches of due reminders")
    parser.add_argument("--due-batch", type=int, default=4)
    args = parser.parse_args()
    args.minutes = max(0.5, min(args.minutes, 240.0))
    args.interval = max(1.0, args.interval)
    args.mix = parse_mix(args.mix)
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="hirebot-soak-") as tmp:
        try:
            run(args, Path(tmp))
        except Exception as exc:  # a benchmark reports what it could not measure and still exits 0
            print(f"soak not completed: {type(exc).__name__}: {exc}")
            for path in sorted(Path(tmp).glob("*.log")):
                print(f"--- last lines of {path.name} ---")
                print("\n".join(path.read_text(errors="replace").splitlines()[-15:]))
    print(f"\ntotal {time.monotonic() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
