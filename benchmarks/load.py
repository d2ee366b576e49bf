"""HTTP mode under load: gunicorn (2 workers) serving hirebot, PostgreSQL, and the Slack emulator.

    .venv/bin/python benchmarks/load.py [--seconds 60] [--clients 16] [--loops 200]
                                        [--mix status:45,submit:45,click:10] [--clicks-per-minute 90]

Starts the Slack emulator (emulate@0.12.2) and the Procfile's `web:` process,
`gunicorn --workers 2 'bot.web:create_wsgi()'`, bound to 127.0.0.1 only, against its own
PostgreSQL database (`hirebot_load`, created beside the local `test` database and reset on
every run; never `test` itself). It seeds the loops through the services layer (each loop's
private channel really exists in the emulator; its interviews took place yesterday, so their
scorecards are due), then sends signed requests from concurrent clients for a fixed time:

  - status: `/hire status` in a random loop's channel;
  - submit: a scorecard `view_submission` for a random interview, carrying the modal the
    app builds for it, with one of two rating sets (a first submission, then edits);
  - click:  the *Submit scorecard* button (the app opens the modal with `views.open` before
    it answers). Clicks are paced to --clicks-per-minute across all clients (default 90,
    inside Slack's Tier 4 budget of about 100 views.open a minute): the app's per-process
    rate limiter would otherwise sleep in the request. 0 removes the pacing.

It prints throughput, p50/p99 latency and errors (overall and per kind), the resident
memory of the gunicorn master and workers before and after the load, the Web API calls the
bot made, and the warnings the server logged. An error is a status other than 200, an ack
body that is not the expected one, a transport failure, or an ack later than Slack's 3 s.
Targets: zero errors, p99 under 300 ms, memory growth under 20 MB. Exits 0 whatever the
numbers are.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from prometheus_client.parser import text_string_to_metric_families  # noqa: E402
from slack_sdk import WebClient  # noqa: E402
from sqlalchemy import text  # noqa: E402

from bot.bootstrap import build_services  # noqa: E402
from bot.config import load_settings  # noqa: E402
from bot.services.loops import NewLoop  # noqa: E402
from bot.slack_gateway import RateLimiter, SlackGateway  # noqa: E402
from db.migrate import downgrade, upgrade  # noqa: E402
from db.models import Candidate, Interview, TeamMember, TeamRole  # noqa: E402
from db.session import Database, make_engine  # noqa: E402
from handlers.builders import scorecards as scorecard_views  # noqa: E402
from handlers.ids import COMMAND, Action, Block, evidence_block, rating_block  # noqa: E402
from tests.support.emulator import BOT_TOKEN, SlackEmulator, start_emulator  # noqa: E402
from tests.support.procfile import procfile  # noqa: E402
from tests.support.slack import SIGNING_SECRET, form_values, sign  # noqa: E402
from tests.support.slack import text as text_input  # noqa: E402

HOST = "127.0.0.1"  # traffic goes to this machine only
ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
LOAD_DB = "hirebot_load"
TEAM = "T000000001"
PACK = "ml-engineer"
LONDON = ZoneInfo("Europe/London")
INTERVIEWERS = ("priya", "omar", "mei", "lars")
INTERVIEWS_PER_LOOP = 4
SLACK_ACK_DEADLINE = 3.0
TARGETS = {"p99_ms": 300.0, "memory_mb": 20.0}
LIMITS = {"seconds": 600, "clients": 64, "loops": 1000}


# The database and the seeded loops.


def load_database(admin: str = ADMIN_URL) -> str:
    """hirebot_load, created if missing through an AUTOCOMMIT connection to the admin database."""
    if admin.rsplit("/", 1)[1] == LOAD_DB:
        raise ValueError("pass the admin database, not the load database")
    engine = make_engine(admin, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            if not conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": LOAD_DB}).scalar():
                conn.execute(text(f"CREATE DATABASE {LOAD_DB}"))
    finally:
        engine.dispose()
    url = admin.rsplit("/", 1)[0] + "/" + LOAD_DB
    assert not url.endswith("/test"), "never the test database"
    return url


@dataclass
class Seeded:
    channels: list[str]  # one per loop
    interviews: list[tuple[int, str, str]]  # (interview id, interviewer id, stage key)
    modals: dict[int, str]  # interview id -> the scorecard modal the app opens for it, as JSON
    people: dict[str, str]


def seed(url: str, emulator: SlackEmulator, loops: int) -> Seeded:
    """Loops opened through the services layer (the channel, invites, topic, card and pin
    really happen in the emulator); interviews written with their reminders, yesterday."""
    downgrade(url, "base")
    upgrade(url)
    people = emulator.users
    settings = load_settings(
        _env_file=None,
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_API_URL=emulator.api_url,
        DATABASE_URL=url,
        HIREBOT_RECRUITERS=people["rita"],
        HIREBOT_TIMEZONE="Europe/London",
    )
    # Seeding is not what is measured: no rate-limit sleeps here.
    gateway = SlackGateway(
        WebClient(token=BOT_TOKEN, base_url=emulator.api_url, timeout=10),
        RateLimiter(sleep=lambda s: None),
        sleep=lambda s: None,
    )
    engine = make_engine(url)
    services = build_services(settings, slack=gateway, db=Database(engine))
    pack = services.rubrics.get(PACK)
    stages = [s.key for s in pack.stages]
    yesterday = (
        (datetime.now(UTC) - timedelta(days=1)).astimezone(LONDON).replace(hour=10, minute=0, second=0, microsecond=0)
    )
    channels: list[str] = []
    interviews: list[tuple[int, str, str]] = []
    try:
        for n in range(1, loops + 1):
            form = NewLoop(
                candidate_name=f"Load{n} Candidate",
                pack=PACK,
                profile="balanced",
                recruiter_id=people["rita"],
                hiring_manager_id=people["hank"],
                team=[people["priya"], people["omar"]],
                resume_url="https://ats.example.com/candidates/42",
            )
            candidate_id = services.loops.begin_loop(form, people["rita"], None)
            services.loops.open_loop(candidate_id)
            with services.db.transaction() as session:
                candidate = session.get(Candidate, candidate_id)
                channels.append(candidate.channel_id)
                members = {m.user_id for m in candidate.team}
                for k in range(INTERVIEWS_PER_LOOP):
                    who = people[INTERVIEWERS[k]]
                    interview = Interview(
                        candidate=candidate,
                        stage_key=stages[k % len(stages)],
                        interviewer_id=who,
                        starts_at=yesterday + timedelta(hours=k),
                        duration_minutes=60,
                        timezone="Europe/London",
                    )
                    session.add(interview)
                    if who not in members:
                        candidate.team.append(TeamMember(user_id=who, role=TeamRole.INTERVIEWER))
                        members.add(who)
                    session.flush()
                    services.reminders.plan_interview(session, interview)
                    interviews.append((interview.id, who, interview.stage_key))
            services.loops.refresh_card(candidate_id)
        modals = {
            iid: json.dumps(scorecard_views.scorecard_modal(services.scorecards.context(iid, who)))
            for iid, who, _ in interviews
        }
    finally:
        services.background.shutdown()  # type: ignore[attr-defined]
        engine.dispose()
    return Seeded(channels, interviews, modals, people)


# Requests, signed as Slack signs them.


def command_body(user_id: str, channel: str) -> str:
    return urlencode(
        {
            "token": "legacy",
            "team_id": TEAM,
            "channel_id": channel,
            "channel_name": "privategroup",
            "user_id": user_id,
            "user_name": user_id,
            "command": COMMAND,
            "text": "status",
            "api_app_id": "A0HIREBOT",
            "response_url": "http://127.0.0.1:9/unused",
            "trigger_id": "0000.0000.load",
        }
    )


def interaction_body(payload: dict[str, Any]) -> str:
    payload = {"team": {"id": TEAM}, "api_app_id": "A0HIREBOT", "token": "legacy", **payload}
    return urlencode({"payload": json.dumps(payload)})


def click_body(user_id: str, interview_id: int, trigger: str) -> str:
    return interaction_body(
        {
            "type": "block_actions",
            "user": {"id": user_id},
            "trigger_id": trigger,
            "channel": {"id": "D0LOAD"},
            "container": {"type": "message", "channel_id": "D0LOAD", "message_ts": "1700000000.000100"},
            "actions": [
                {"action_id": Action.OPEN_SCORECARD, "block_id": "b", "type": "button", "value": str(interview_id)}
            ],
        }
    )


def radio(value: str) -> dict[str, Any]:
    return {"type": "radio_buttons", "selected_option": {"value": value}}


def submit_body(seeded: Seeded, pack, interview: tuple[int, str, str], rating: str) -> str:
    interview_id, who, stage = interview
    fields: dict[str, Any] = {}
    for key in pack.stage(stage).competencies:
        fields[rating_block(key)] = radio(rating)
        fields[evidence_block(key)] = text_input(f"Rated {rating}: reasoned about trade-offs, tested the edge cases.")
    fields[Block.RED_FLAGS] = {"type": "checkboxes", "selected_options": []}
    fields[Block.RECOMMENDATION] = radio("yes")
    fields[Block.NOTES] = text_input("Load test notes.")
    view = {**json.loads(seeded.modals[interview_id]), "id": f"VLOAD{interview_id}", "hash": "1700000000.load"}
    view["state"] = {"values": form_values(**fields)}
    return interaction_body({"type": "view_submission", "user": {"id": who}, "view": view})


# gunicorn, and what it holds in memory.


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def start_gunicorn(workdir: Path, port: int, env: dict[str, str]) -> subprocess.Popen:
    """The Procfile's web process as it stands (its gunicorn config gives hirebot's logging and
    multiprocess metrics); its log lines, gunicorn's and hirebot's, go to server.log."""
    out = open(workdir / "server.log", "w")
    return subprocess.Popen(procfile("web", HOST, port), cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)


def wait_healthy(port: int, process: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("gunicorn exited at start-up")
        try:
            with urllib.request.urlopen(f"http://{HOST}:{port}/healthz", timeout=2) as r:
                if r.status == 200 and len(workers(process.pid)) == 2:
                    return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError("gunicorn did not answer /healthz")


def workers(master: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        # The command may hold spaces and parentheses: the fields after the last ')' are fixed.
        if int(stat.rsplit(")", 1)[1].split()[1]) == master:
            found.append(int(entry))
    return sorted(found)


def rss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


@dataclass
class Memory:
    master_kb: int
    workers_kb: dict[int, int]

    @property
    def workers_total(self) -> int:
        return sum(self.workers_kb.values())

    @classmethod
    def of(cls, master: int) -> Memory:
        return cls(rss_kb(master), {pid: rss_kb(pid) for pid in workers(master)})


def stop(process: subprocess.Popen, grace: float = 10.0) -> tuple[float, bool]:
    """TERM the master (it stops its workers); after `grace` seconds KILL the master and the
    workers it started, each by its pid. Returns (seconds taken, whether it had to kill)."""
    if process.poll() is not None:
        return 0.0, False
    children = workers(process.pid)
    started = time.monotonic()
    process.terminate()
    try:
        process.wait(timeout=grace)
        return time.monotonic() - started, False
    except subprocess.TimeoutExpired:
        for pid in children:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        process.kill()
        process.wait(timeout=10)
        return time.monotonic() - started, True


def bot_budget(emulator: SlackEmulator) -> int | None:
    """The bot token's remaining emulator budget (it allows 5,000 calls an hour); costs one call."""
    request = urllib.request.Request(
        f"{emulator.api_url}auth.test", data=b"", headers={"Authorization": f"Bearer {BOT_TOKEN}"}
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as r:
            return int(r.headers.get("X-RateLimit-Remaining", "-1"))
    except OSError:
        return None


# The clients.


@dataclass
class Sample:
    kind: str
    seconds: float
    error: str | None
    at: float


class Pacer:
    """A token bucket shared by the clients, for the clicks."""

    def __init__(self, per_minute: float):
        self.rate = per_minute / 60.0
        self.tokens = 1.0
        self.last = time.monotonic()
        self.lock = threading.Lock()

    def take(self) -> bool:
        if self.rate <= 0:
            return True
        with self.lock:
            now = time.monotonic()
            self.tokens = min(2.0, self.tokens + (now - self.last) * self.rate)
            self.last = now
            if self.tokens >= 1.0:
                self.tokens -= 1.0
                return True
            return False


@dataclass
class Load:
    port: int
    seeded: Seeded
    emulator: SlackEmulator
    pack: Any
    mix: dict[str, int]
    pacer: Pacer
    samples: list[Sample] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    sent: Counter[str] = field(default_factory=Counter)  # warm-up included: /metrics counts those too

    def pick(self, rng: random.Random) -> str:
        kinds, weights = zip(*self.mix.items(), strict=True)
        kind = rng.choices(kinds, weights)[0]
        if kind == "click" and not self.pacer.take():
            others = {k: w for k, w in self.mix.items() if k != "click" and w > 0}
            kind = rng.choices(list(others), list(others.values()))[0] if others else "status"
        return kind

    def body(self, kind: str, rng: random.Random) -> str:
        seeded = self.seeded
        if kind == "status":
            return command_body(seeded.people[rng.choice(("rita", "hank"))], rng.choice(seeded.channels))
        interview = rng.choice(seeded.interviews)
        if kind == "click":
            return click_body(interview[1], interview[0], self.emulator.trigger_id())  # not timed
        return submit_body(seeded, self.pack, interview, rng.choice(("2", "3")))

    def send(self, kind: str, body: str) -> tuple[float, str | None]:
        headers = {"Content-Type": "application/x-www-form-urlencoded", **sign(body)}
        start = time.perf_counter()
        try:
            conn = http.client.HTTPConnection(HOST, self.port, timeout=30)
            try:
                conn.request("POST", "/slack/events", body=body.encode(), headers=headers)
                response = conn.getresponse()
                payload = response.read()
                status = response.status
            finally:
                conn.close()
        except (OSError, http.client.HTTPException) as exc:
            return time.perf_counter() - start, f"transport: {type(exc).__name__}"
        elapsed = time.perf_counter() - start
        return elapsed, check(kind, status, payload, elapsed)

    def client(self, seed_: int, until: float, record: bool) -> None:
        rng = random.Random(seed_)
        while time.monotonic() < until:
            kind = self.pick(rng)
            body = self.body(kind, rng)
            elapsed, error = self.send(kind, body)
            with self.lock:
                self.sent[kind] += 1
            if record:
                with self.lock:
                    self.samples.append(Sample(kind, elapsed, error, time.monotonic()))

    def run(self, clients: int, seconds: float, record: bool = True, seed_: int = 0) -> float:
        until = time.monotonic() + seconds
        started = time.monotonic()
        threads = [
            threading.Thread(target=self.client, args=(seed_ + n, until, record), daemon=True) for n in range(clients)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        return time.monotonic() - started


def check(kind: str, status: int, payload: bytes, elapsed: float) -> str | None:
    if status != 200:
        return f"HTTP {status}"
    try:
        body = json.loads(payload) if payload else {}
    except ValueError:
        body = {"text": payload.decode(errors="replace")}
    if kind == "status" and not (body.get("blocks") and "scorecards in" in body.get("text", "")):
        return "status: not a loop status"
    if kind == "click" and body:
        return "click: unexpected body"
    if kind == "submit" and body.get("response_action") != "update":
        return f"submit: {body.get('response_action') or 'no response_action'}"
    if elapsed > SLACK_ACK_DEADLINE:
        return "ack later than 3 s"
    return None


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


# The report.


def quantile(values: list[float], q: float) -> float:
    if len(values) < 2:
        return values[0] if values else float("nan")
    return statistics.quantiles(values, n=100, method="inclusive")[int(q * 100) - 1]


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


def report(  # noqa: C901, PLR0913
    args: argparse.Namespace,
    samples: list[Sample],
    duration: float,
    before: Memory,
    after: Memory,
    calls: tuple[int | None, int | None],
    log: list[tuple[int, str]],
    seeded_in: float,
    rss_timeline: list[tuple[float, int]],
    stopped: tuple[float, bool],
) -> None:
    print(
        f"\nhirebot under load: the Procfile's gunicorn (2 workers), PostgreSQL ({LOAD_DB}), Slack emulator; "
        f"{args.clients} clients for {duration:.1f} s over {args.loops} loops ({args.loops * INTERVIEWS_PER_LOOP} "
        f"interviews); mix {args.mix}, clicks paced to {args.clicks_per_minute}/min; {os.cpu_count()} CPUs "
        f"shared by clients, server, database and emulator; seeded in {seeded_in:.1f} s\n"
    )
    header = f"{'kind':<10}{'requests':>10}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'max ms':>9}{'errors':>8}"
    print(header)
    print("-" * len(header))
    kinds = ["status", "submit", "click"]
    for kind in [*kinds, "all"]:
        rows = [s for s in samples if kind in ("all", s.kind)]
        if not rows:
            print(f"{kind:<10}{0:>10}")
            continue
        ms = [s.seconds * 1000 for s in rows]
        errors = sum(1 for s in rows if s.error)
        print(
            f"{kind:<10}{len(rows):>10}{len(rows) / duration:>9.1f}{quantile(ms, 0.5):>9.1f}"
            f"{quantile(ms, 0.99):>9.1f}{max(ms):>9.1f}{errors:>8}"
        )
    errors = Counter(s.error for s in samples if s.error)
    for what, n in errors.most_common():
        print(f"  error: {what} x{n}")

    # Over time: do latency and memory drift as the run goes on?
    if samples:
        t0 = min(s.at for s in samples)
        windows = max(1, int(duration // 10))
        print("\nby 10 s window  " + "".join(f"{f'{w * 10}-{w * 10 + 10}s':>10}" for w in range(windows)))
        for label, fn in (("req/s", None), ("p99 ms", 0.99)):
            cells = []
            for w in range(windows):
                rows = [s.seconds * 1000 for s in samples if w * 10 <= s.at - t0 < w * 10 + 10]
                if not rows:
                    cells.append("-")
                elif fn is None:
                    cells.append(f"{len(rows) / 10:.1f}")
                else:
                    cells.append(f"{quantile(rows, fn):.0f}")
            print(f"{label:<16}" + "".join(f"{c:>10}" for c in cells))
        cells = []
        for w in range(windows):
            at_end = [kb for t, kb in rss_timeline if t <= (w + 1) * 10 + 0.5]
            cells.append(f"{at_end[-1] / 1024:.0f}" if at_end else "-")
        print(f"{'workers RSS MB':<16}" + "".join(f"{c:>10}" for c in cells) + "   (sum, at the end of each window)")

    mb = 1024.0
    print("\nresident memory (VmRSS)      before      after     growth")
    print(
        f"  gunicorn master        {before.master_kb / mb:>9.1f} MB{after.master_kb / mb:>8.1f} MB"
        f"{(after.master_kb - before.master_kb) / mb:>+8.1f} MB"
    )
    for pid in sorted(set(before.workers_kb) | set(after.workers_kb)):
        b, a = before.workers_kb.get(pid), after.workers_kb.get(pid)
        bs = f"{b / mb:>9.1f} MB" if b is not None else f"{'(new)':>12}"
        as_ = f"{a / mb:>8.1f} MB" if a is not None else f"{'(gone)':>11}"
        growth = f"{(a - b) / mb:>+8.1f} MB" if a is not None and b is not None else ""
        print(f"  worker {pid:<15} {bs}{as_}{growth}")
    total_before = before.master_kb + before.workers_total
    total_after = after.master_kb + after.workers_total
    print(
        f"  total                  {total_before / mb:>9.1f} MB{total_after / mb:>8.1f} MB"
        f"{(total_after - total_before) / mb:>+8.1f} MB"
    )

    p99 = quantile([s.seconds * 1000 for s in samples], 0.99) if samples else float("nan")
    growth = (after.workers_total - before.workers_total) / mb
    print("\ntargets")
    print(f"  errors              {sum(errors.values()):>8}   target 0         {'met' if not errors else 'MISSED'}")
    print(
        f"  p99 latency      {p99:>8.1f} ms  target < {TARGETS['p99_ms']:.0f} ms  "
        f"{'met' if p99 < TARGETS['p99_ms'] else 'MISSED'}"
    )
    print(
        f"  memory growth    {growth:>+8.1f} MB  target < {TARGETS['memory_mb']:.0f} MB   "
        f"{'met' if growth < TARGETS['memory_mb'] else 'MISSED'}  (workers, sum)"
    )

    before_calls, after_calls = calls
    if before_calls is not None and after_calls is not None:
        print(
            f"\nWeb API calls the bot made during the load: {before_calls - after_calls - 1} "
            f"(its emulator budget left: {after_calls} of 5000 an hour); "
            f"acked submissions: {sum(1 for s in samples if s.kind == 'submit' and not s.error)}, "
            f"clicks: {sum(1 for s in samples if s.kind == 'click' and not s.error)}"
        )
    seconds, killed = stopped
    print(
        f"gunicorn stop after the load: {'KILLED after' if killed else 'exited in'} {seconds:.1f} s "
        + ("(workers still busy with background work after SIGTERM)" if killed else "(graceful)")
    )
    print("\nserver log (warnings, errors, Slack error codes), by message:")
    if not log:
        print("  (none)")
    for n, what in log:
        print(f"  {n:>6}  {what}")


def parse_mix(value: str) -> dict[str, int]:
    mix = {"status": 0, "submit": 0, "click": 0}
    for part in value.split(","):
        kind, _, weight = part.partition(":")
        if kind.strip() not in mix:
            raise argparse.ArgumentTypeError(f"unknown kind {kind!r}; use status, submit, click")
        mix[kind.strip()] = int(weight)
    if sum(mix.values()) <= 0:
        raise argparse.ArgumentTypeError("the mix needs a positive weight")
    return mix


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0, help=f"load duration (at most {LIMITS['seconds']})")
    parser.add_argument("--clients", type=int, default=16, help=f"concurrent clients (at most {LIMITS['clients']})")
    parser.add_argument("--loops", type=int, default=200, help=f"loops seeded (at most {LIMITS['loops']})")
    parser.add_argument("--mix", default="status:45,submit:45,click:10", help="weights of status, submit, click")
    parser.add_argument("--clicks-per-minute", type=float, default=90.0, help="pace of the clicks; 0: unpaced")
    parser.add_argument("--postgres-admin", default=ADMIN_URL, help="where hirebot_load is created")
    args = parser.parse_args()
    args.seconds = max(1.0, min(args.seconds, LIMITS["seconds"]))
    args.clients = max(1, min(args.clients, LIMITS["clients"]))
    args.loops = max(1, min(args.loops, LIMITS["loops"]))
    mix = parse_mix(args.mix)

    started = time.monotonic()
    process: subprocess.Popen | None = None
    emulator: SlackEmulator | None = None
    with tempfile.TemporaryDirectory(prefix="hirebot-load-") as tmp:
        workdir = Path(tmp)
        try:
            emulator = start_emulator(workdir)
            url = load_database(args.postgres_admin)
            t0 = time.monotonic()
            seeded = seed(url, emulator, args.loops)
            seeded_in = time.monotonic() - t0

            port = free_port()
            env = {
                **os.environ,
                "SLACK_BOT_TOKEN": BOT_TOKEN,
                "SLACK_SIGNING_SECRET": SIGNING_SECRET,
                "SLACK_API_URL": emulator.api_url,
                "DATABASE_URL": url,
                "HIREBOT_RECRUITERS": seeded.people["rita"],
                "HIREBOT_TIMEZONE": "Europe/London",
            }
            env.pop("SLACK_APP_TOKEN", None)
            process = start_gunicorn(workdir, port, env)
            wait_healthy(port, process)

            from rubrics.loader import RubricRegistry

            load = Load(
                port, seeded, emulator, RubricRegistry.from_directory().get(PACK), mix, Pacer(args.clicks_per_minute)
            )
            # Warm-up: every kind through both workers, not recorded.
            load.run(min(args.clients, 4), 5.0, record=False, seed_=10_000)
            time.sleep(1.0)
            before = Memory.of(process.pid)
            calls_before = bot_budget(emulator)

            timeline: list[tuple[float, int]] = []
            done = threading.Event()

            def sample_rss(master: int = process.pid) -> None:
                t_load = time.monotonic()
                while not done.wait(timeout=10 - (time.monotonic() - t_load) % 10):
                    timeline.append((time.monotonic() - t_load, Memory.of(master).workers_total))

            sampler = threading.Thread(target=sample_rss, daemon=True)
            sampler.start()
            mid_run: list[dict] = []  # /metrics halfway through the load, as a scraper would see it
            midway = threading.Timer(args.seconds / 2, lambda: mid_run.append(scrape(port)))
            midway.start()
            duration = load.run(args.clients, args.seconds)
            done.set()
            sampler.join()
            midway.join()

            after = Memory.of(process.pid)
            calls_after = bot_budget(emulator)
            scrapes = [scrape(port) for _ in range(4)]
            stopped = stop(process)
            report(
                args,
                load.samples,
                duration,
                before,
                after,
                (calls_before, calls_after),
                server_log_summary(workdir / "server.log"),
                seeded_in,
                timeline,
                stopped,
            )
            metrics_report(mid_run[0] if mid_run else None, scrapes, load.sent)
        except Exception as exc:  # a benchmark reports what it could not measure and still exits 0
            print(f"load test not completed: {type(exc).__name__}: {exc}")
            for name in ("server.log",):
                path = workdir / name
                if path.exists():
                    print(f"--- last lines of {name} ---")
                    print("\n".join(path.read_text(errors="replace").splitlines()[-15:]))
        finally:
            if process is not None:
                stop(process)
            if emulator is not None:
                emulator.stop()
    print(f"\ntotal {time.monotonic() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
