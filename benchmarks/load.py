"""HTTP mode under load, beside two baseline Bolt apps: the same clients, the same gunicorn, one run.

    .venv/bin/python benchmarks/load.py [--database-url URL] [--seconds 30] [--clients 16]
                                        [--loops 200] [--mix status:45,submit:45,click:10]
                                        [--clicks-per-minute 90] [--rounds 1] [--profile]

Starts the Slack emulator (emulate@0.12.2), seeds loops in the database through the services
layer (traffic.py), then serves three apps in turn, each under the Procfile's `web:` command
exactly (its gunicorn config, 2 gthread workers of 8 threads, bound to 127.0.0.1):

  1. bare:    a Bolt app whose listeners only ack (bare_app.py);
  2. storing: the bare app, storing each scorecard submission before its ack the plainest way
              (one SQLAlchemy transaction: the interview's row locked, one row appended);
  3. hirebot: `bot.web:create_wsgi()`.

Each gets a 5 s warm-up, then the same --clients send signed requests (a mix of `/hire status`,
scorecard submissions and *Submit scorecard* clicks) for --seconds. --rounds N runs the three N
times, in turn, on the same database, and judges the median round (load_rounds.py): one run
on a shared machine is a noisy reading. It prints throughput,
p50/p99 and errors for each, hirebot's throughput as a ratio of the bare app's (the goal) and of
the storing app's (what storing costs any app, and what hirebot's own rules cost beyond it), the
CPU each request cost (workers, PostgreSQL, clients) and the share of the machine left idle, the
workers' memory, the Web API calls hirebot made and what its /metrics counted.

The database: --database-url, else $HIREBOT_DATABASE_URL, else SQLite in a temporary folder
(with a warning; the README quotes PostgreSQL). It is emptied and migrated afresh.

--profile samples hirebot's workers with py-spy (if it is installed: `pip install py-spy`)
during its run and prints where their CPU time went: the functions with most samples of
their own, and hirebot's code and libraries by share of samples.

Goals: at least 0.5x the bare app's throughput, p99 under 100 ms, no errors (a status other
than 200, an answer that is not the expected one, a transport failure, or an ack later than
Slack's 3 s). Exits 0 whatever the numbers are.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
import time
import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from prometheus_client.parser import text_string_to_metric_families  # noqa: E402

from benchmarks.load_rounds import Round, median_round, rounds_table, storing_lines, verdicts  # noqa: E402
from benchmarks.procs import (  # noqa: E402
    BARE_WSGI,
    HIREBOT_WSGI,
    HOST,
    STORING_WSGI,
    Memory,
    children,
    cpu_seconds,
    database_url,
    free_port,
    idle_share,
    machine_times,
    named,
    start_gunicorn,
    stop,
    wait_healthy,
)
from benchmarks.pyspy import start_profiles, summarise_profile  # noqa: E402
from benchmarks.traffic import (  # noqa: E402
    INTERVIEWS_PER_LOOP,
    KINDS,
    PACK,
    Load,
    Pacer,
    Sample,
    Seeded,
    bot_budget,
    parse_mix,
    quantile,
    seed,
    server_env,
)
from rubrics.loader import RubricRegistry  # noqa: E402
from tests.support.emulator import SlackEmulator, start_emulator  # noqa: E402

LIMITS = {"seconds": 600, "clients": 64, "loops": 1000, "rounds": 10}
WARM_UP_SECONDS = 5.0


@dataclass
class Phase:
    name: str
    samples: list[Sample]
    duration: float
    before: Memory
    after: Memory
    log: list[tuple[int, str]]
    stopped: tuple[float, bool]
    calls: int | None = None  # Web API calls made during the measured run
    scrape: dict | None = None
    sent: Counter[str] | None = None
    profile: list[Path] | None = None
    cpu: dict[str, float] = field(default_factory=dict)  # CPU seconds used during the timed run, by whom
    idle: float = 0.0  # the machine's share of CPU time left idle during the timed run

    @property
    def errors(self) -> int:
        return sum(1 for s in self.samples if s.error)

    @property
    def throughput(self) -> float:
        return len(self.samples) / self.duration if self.duration else 0.0

    def cpu_ms(self, who: str) -> float:
        """CPU per request, in milliseconds, of `who` (workers, database, clients)."""
        return self.cpu.get(who, 0.0) * 1000 / (len(self.samples) or 1)

    def p(self, q: float, kind: str | None = None) -> float:
        return quantile([s.seconds * 1000 for s in self.samples if kind in (None, s.kind)], q)


# One app under the load.


def run_phase(
    name: str, wsgi: str, args: argparse.Namespace, seeded: Seeded, emulator: SlackEmulator, url: str, workdir: Path
) -> Phase:
    port = free_port()
    log = workdir / f"{name}.log"
    process = start_gunicorn(log, port, server_env(url, emulator.api_url, seeded), wsgi)
    try:
        wait_healthy(port, process)
        pack = RubricRegistry.from_directory().get(PACK)
        bare = wsgi != HIREBOT_WSGI  # a baseline: empty acks, no Slack calls, no /metrics
        load = Load(port, seeded, emulator, pack, args.mix, Pacer(args.clicks_per_minute), bare=bare)
        load.prepare()
        load.run(min(args.clients, 4), WARM_UP_SECONDS, record=False, seed_=10_000)
        time.sleep(1.0)
        before = Memory.of(process.pid)
        budget = None if bare else bot_budget(emulator)
        spies = start_profiles(children(process.pid), args.seconds, workdir) if args.profile and not bare else []
        web_api = [emulator.process.pid, *children(emulator.process.pid)]
        cpu = CpuMeter(workers=children(process.pid), database=named("postgres"), web_api=web_api)
        duration = load.run(args.clients, args.seconds)
        used = cpu.used()
        idle = cpu.idle()
        after = Memory.of(process.pid)
        for spy, _ in spies:
            spy.wait(timeout=60)
        left = None if bare else bot_budget(emulator)
        calls = budget - left - 1 if budget is not None and left is not None else None
        scraped = None if bare else scrape(port)
    finally:
        stopped = stop(process)
    return Phase(
        name,
        load.samples,
        duration,
        before,
        after,
        server_log_summary(log),
        stopped,
        calls,
        scraped,
        load.sent,
        [out for _, out in spies],
        used,
        idle,
    )


class CpuMeter:
    """CPU used by the app's workers, PostgreSQL's processes (on this machine; none for SQLite),
    the Slack emulator serving the Web API (a cost of this rig: Slack's own servers do that work)
    and the clients (this process) between its start and used(). Per request, it is a steadier
    figure than throughput on a shared machine: it does not depend on who else got the CPUs."""

    def __init__(self, workers: list[int], database: list[int], web_api: list[int]):
        self.pids = {"workers": workers, "database": database, "web API": web_api}
        self.start = {who: cpu_seconds(pids) for who, pids in self.pids.items()}
        self.start["clients"] = time.process_time()
        self.machine = machine_times()

    def used(self) -> dict[str, float]:
        used = {who: cpu_seconds(pids) - self.start[who] for who, pids in self.pids.items()}
        used["clients"] = time.process_time() - self.start["clients"]
        return used

    def idle(self) -> float:
        """How much of the machine's CPU nobody used since the start: an app that leaves cores
        idle under the same clients is waiting on something other than the CPU."""
        return idle_share(self.machine, machine_times())


# What /metrics says (bot/metrics.py), scraped from whichever worker answers.


def scrape(port: int) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    with urllib.request.urlopen(f"http://{HOST}:{port}/metrics", timeout=10) as r:
        text_ = r.read().decode()
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text_)
        for s in family.samples
    }


def summed(found: dict, name: str, **labels: str) -> float:
    return sum(v for (n, ls), v in found.items() if n == name and all(item in ls for item in labels.items()))


def metrics_report(during: dict | None, after: list[dict], sent: Counter[str]) -> None:
    print("\n/metrics (multiprocess: both workers' counts in every scrape)")
    if during is not None:
        print(f"  mid-run scrape: {summed(during, 'hirebot_requests_total'):.0f} requests counted so far")
    final = after[-1]
    totals = [summed(f, "hirebot_requests_total") for f in after]
    print(
        f"  after the load: {totals[-1]:.0f} requests counted, {sum(sent.values())} sent "
        f"({'equal' if totals[-1] == sum(sent.values()) else 'DIFFERENT'}); {len(after)} scrapes agree: "
        f"{'yes' if len(set(totals)) == 1 else 'NO ' + str(totals)}"
    )
    keys = sorted(
        {dict(ls)["interaction"] + " " + dict(ls)["outcome"] for n, ls in final if n == "hirebot_requests_total"}
    )
    for key in keys:
        kind, result = key.split()
        count = summed(final, "hirebot_requests_total", interaction=kind, outcome=result)
        print(f"  hirebot_requests_total{{interaction={kind},outcome={result}}} {count:.0f}")
    for kind in sorted({dict(ls)["interaction"] for n, ls in final if n == "hirebot_ack_seconds_count"}):
        count = summed(final, "hirebot_ack_seconds_count", interaction=kind)
        mean = summed(final, "hirebot_ack_seconds_sum", interaction=kind) / count * 1000 if count else 0.0
        within = summed(final, "hirebot_ack_seconds_bucket", interaction=kind, le="0.1")
        print(
            f"  hirebot_ack_seconds{{interaction={kind}}}: {count:.0f} acks, mean {mean:.1f} ms, "
            f"{within:.0f} within 100 ms"
        )
    for name in ("hirebot_slack_calls_total", "hirebot_slack_rate_limited_total", "hirebot_slack_errors_total"):
        for (n, ls), value in sorted(final.items()):
            if n == name and value:
                print(f"  {name}{{{','.join(f'{k}={v}' for k, v in ls)}}} {value:.0f}")
    for (n, ls), value in sorted(final.items()):
        if n.startswith("hirebot_outbox"):
            print(f"  {n}{{{','.join(f'{k}={v}' for k, v in ls)}}} {value:.0f}")


def server_log_summary(path: Path) -> list[tuple[int, str]]:
    """WARNING and ERROR lines, and INFO lines naming a Slack error code, grouped by message."""
    counts: Counter[str] = Counter()
    if not path.exists():
        return []
    line_re = re.compile(r"^\S+ \d+ (INFO|WARNING|ERROR|CRITICAL) (\S+): (.*)$")
    for line in path.read_text(errors="replace").splitlines():
        m = line_re.match(line)
        if not m:
            continue
        level, logger, message = m.groups()
        if level == "INFO" and not (logger.startswith("bot.") and "answered" in message):
            continue
        if logger.startswith("gunicorn"):
            if level == "INFO":
                continue
        message = re.sub(r"\d+", "N", message)[:110]
        counts[f"{level} {logger}: {message}"] += 1
    return [(n, what) for what, n in counts.most_common(12)]


# The report.


def table(phases: list[Phase]) -> None:
    header = f"{'app':<9}{'kind':<8}{'requests':>10}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'max ms':>9}{'errors':>8}"
    print(header)
    print("-" * len(header))
    for phase in phases:
        for kind in [*KINDS, None]:
            rows = [s for s in phase.samples if kind in (None, s.kind)]
            if not rows:
                continue
            ms = [s.seconds * 1000 for s in rows]
            print(
                f"{phase.name:<9}{kind or 'all':<8}{len(rows):>10}{len(rows) / phase.duration:>9.1f}"
                f"{quantile(ms, 0.5):>9.1f}{quantile(ms, 0.99):>9.1f}{max(ms):>9.1f}"
                f"{sum(1 for s in rows if s.error):>8}"
            )
        for what, n in Counter(s.error for s in phase.samples if s.error).most_common():
            print(f"  {phase.name} error: {what} x{n}")


def cpu(phases: list[Phase]) -> None:
    """CPU per request, in milliseconds: what each app costs the machine, whatever its share of it was."""
    print("\nCPU per request (ms; user + system, over the timed run), and the machine's idle share")
    print(f"  {'app':<9}{'workers':>9}{'database':>10}{'web API':>9}{'clients':>9}{'all':>8}{'machine idle':>14}")
    per_request = {}
    for phase in phases:
        ms = per_request[phase.name] = {who: phase.cpu_ms(who) for who in phase.cpu}
        print(
            f"  {phase.name:<9}{ms['workers']:>9.2f}{ms['database']:>10.2f}{ms['web API']:>9.2f}{ms['clients']:>9.2f}"
            f"{sum(ms.values()):>8.2f}{phase.idle:>13.0%}"
        )
    bare = per_request[phases[0].name]["workers"]
    for phase in phases[1:] if bare else []:
        workers = per_request[phase.name]["workers"]
        print(f"  {phase.name}'s workers use {workers / bare:.2f}x the bare app's CPU per request")


def memory(phases: list[Phase]) -> None:
    mb = 1024.0
    print("\nworkers' resident memory (VmRSS, sum)   before     after    growth")
    for phase in phases:
        b, a = phase.before.workers_total / mb, phase.after.workers_total / mb
        print(f"  {phase.name:<37}{b:>7.1f} MB{a:>7.1f} MB{a - b:>+7.1f} MB")


def report(args: argparse.Namespace, url: str, seeded_in: float, rounds: list[Round]) -> None:
    middle = median_round(rounds)
    hirebot = middle.hirebot
    phases = middle.runs
    backend = url.split(":", 1)[0].split("+", 1)[0]
    print(
        f"\nThe Procfile's gunicorn (2 gthread workers x 8 threads), {backend}, Slack emulator; {args.clients} clients "
        f"for {args.seconds:.0f} s against each app, {args.loops} loops ({args.loops * INTERVIEWS_PER_LOOP} "
        f"interviews); mix {args.mix_text}, clicks paced to {args.clicks_per_minute:.0f}/min; {os.cpu_count()} CPUs "
        f"shared by clients, server, database and emulator; seeded in {seeded_in:.1f} s\n"
    )
    if len(rounds) > 1:
        print(f"{len(rounds)} rounds, {', '.join(phase.name for phase in phases)} in turn in each:")
        print("\n".join(rounds_table(rounds)))
        print(f"\nround {rounds.index(middle) + 1}, the median ratio, in full:")
    table(phases)
    print("\ngoals")
    print("\n".join(verdicts(rounds)))
    print("\n".join(storing_lines(rounds)))
    cpu(phases)
    memory(phases)
    if hirebot.calls is not None:
        print(f"\nWeb API calls hirebot made during its run: {hirebot.calls}")
    for phase in phases:
        seconds, killed = phase.stopped
        print(f"{phase.name} gunicorn stop: {'KILLED after' if killed else 'exited in'} {seconds:.1f} s")
    logged: Counter[str] = Counter()
    for r in rounds:
        for n, what in r.hirebot.log:
            logged[what] += n
    print("\nhirebot's server log (warnings, errors, Slack error codes), by message, every round:")
    for what, n in logged.most_common(12) or [("(none)", 0)]:
        print(f"  {n:>6}  {what}")
    if hirebot.scrape is not None and hirebot.sent is not None:
        metrics_report(None, [hirebot.scrape], hirebot.sent)
    if hirebot.profile:
        print("\nprofile of hirebot's workers during the load (py-spy)")
        print("\n".join("  " + line for line in summarise_profile(hirebot.profile)))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="emptied and migrated; default $HIREBOT_DATABASE_URL, else SQLite")
    parser.add_argument("--seconds", type=float, default=30.0, help=f"per app (at most {LIMITS['seconds']})")
    parser.add_argument("--clients", type=int, default=16, help=f"concurrent clients (at most {LIMITS['clients']})")
    parser.add_argument("--loops", type=int, default=200, help=f"loops seeded (at most {LIMITS['loops']})")
    parser.add_argument("--mix", default="status:45,submit:45,click:10", help="weights of status, submit, click")
    parser.add_argument("--clicks-per-minute", type=float, default=90.0, help="pace of the clicks; 0: unpaced")
    parser.add_argument("--rounds", type=int, default=1, help=f"bare/hirebot pairs (at most {LIMITS['rounds']})")
    parser.add_argument("--profile", action="store_true", help="sample hirebot's workers with py-spy")
    args = parser.parse_args()
    args.seconds = max(1.0, min(args.seconds, LIMITS["seconds"]))
    args.clients = max(1, min(args.clients, LIMITS["clients"]))
    args.loops = max(1, min(args.loops, LIMITS["loops"]))
    args.rounds = max(1, min(args.rounds, LIMITS["rounds"]))
    args.mix_text, args.mix = args.mix, parse_mix(args.mix)

    started = time.monotonic()
    emulator: SlackEmulator | None = None
    with tempfile.TemporaryDirectory(prefix="hirebot-load-") as tmp:
        workdir = Path(tmp)
        try:
            url = database_url(args.database_url, workdir, "load")
            emulator = start_emulator(workdir)
            t0 = time.monotonic()
            seeded = seed(url, emulator, args.loops)
            seeded_in = time.monotonic() - t0
            rounds = []
            for _ in range(args.rounds):
                bare = run_phase("bare", BARE_WSGI, args, seeded, emulator, url, workdir)
                storing = run_phase("storing", STORING_WSGI, args, seeded, emulator, url, workdir)
                hirebot = run_phase("hirebot", HIREBOT_WSGI, args, seeded, emulator, url, workdir)
                rounds.append(Round(bare, hirebot, storing))
            report(args, url, seeded_in, rounds)
        except Exception as exc:  # a benchmark reports what it could not measure and still exits 0
            print(f"load test not completed: {type(exc).__name__}: {exc}")
            for path in sorted(workdir.glob("*.log")):
                print(f"--- last lines of {path.name} ---")
                print("\n".join(path.read_text(errors="replace").splitlines()[-15:]))
        finally:
            if emulator is not None:
                emulator.stop()
    print(f"\ntotal {time.monotonic() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
