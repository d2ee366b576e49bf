"""Signed Slack traffic for the HTTP benchmarks (load.py, soak.py): loops seeded through the
services layer, the requests Slack would send about them, and the clients that send them.

  - status: `/hire status` in a random loop's channel;
  - submit: a scorecard `view_submission` for a random interview, carrying the modal the
    app builds for it, with one of two rating sets (a first submission, then edits);
  - click:  the *Submit scorecard* button (hirebot opens the modal with `views.open` before
    it answers). Clicks are paced across all clients (Pacer): Slack's Tier 4 allows about
    100 views.open a minute, and the app's per-process rate limiter would otherwise sleep
    in the request.

The same bodies go to hirebot and to the bare Bolt app (bare_app.py); `check` knows what each
should answer.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import re
import statistics
import sys
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

from slack_sdk import WebClient  # noqa: E402

from bot.bootstrap import build_services  # noqa: E402
from bot.config import load_settings  # noqa: E402
from bot.services.loops import NewLoop  # noqa: E402
from bot.slack_gateway import RateLimiter, SlackGateway  # noqa: E402
from db.migrate import downgrade, upgrade  # noqa: E402
from db.models import Candidate, Interview, TeamMember, TeamRole  # noqa: E402
from db.session import Database, make_engine  # noqa: E402
from handlers.builders import scorecards as scorecard_views  # noqa: E402
from handlers.ids import COMMAND, Action, Block, evidence_block, rating_block  # noqa: E402
from tests.support.emulator import BOT_TOKEN, SlackEmulator  # noqa: E402
from tests.support.slack import SIGNING_SECRET, form_values, sign  # noqa: E402
from tests.support.slack import text as text_input  # noqa: E402

HOST = "127.0.0.1"
TEAM = "T000000001"
PACK = "ml-engineer"
LONDON = ZoneInfo("Europe/London")
INTERVIEWERS = ("priya", "omar", "mei", "lars")
INTERVIEWS_PER_LOOP = 4
SLACK_ACK_DEADLINE = 3.0
KINDS = ("status", "submit", "click")
STATUS_TEXT = re.compile(r"\d+ of \d+ scorecards? in")


@dataclass
class Seeded:
    channels: list[str]  # one per loop
    interviews: list[tuple[int, str, str]]  # (interview id, interviewer id, stage key)
    modals: dict[int, str]  # interview id -> the scorecard modal the app opens for it, as JSON
    people: dict[str, str]


def seed(url: str, emulator: SlackEmulator, loops: int, token: str = BOT_TOKEN) -> Seeded:
    """Loops opened through the services layer (the channel, invites, topic, card and pin
    really happen in the emulator); interviews written with their reminders, yesterday."""
    downgrade(url, "base")
    upgrade(url)
    people = emulator.users
    settings = load_settings(
        _env_file=None,
        SLACK_BOT_TOKEN=token,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_API_URL=emulator.api_url,
        DATABASE_URL=url,
        HIREBOT_RECRUITERS=people["rita"],
        HIREBOT_TIMEZONE="Europe/London",
    )
    # Seeding is not what is measured: no rate-limit sleeps here.
    gateway = SlackGateway(
        WebClient(token=token, base_url=emulator.api_url, timeout=10),
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
                    stage, start = stages[k % len(stages)], yesterday + timedelta(hours=k)
                    interview = plan_interview(services, session, candidate, members, who, stage, start)
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


def plan_interview(
    services: Any, session: Any, candidate: Candidate, members: set[str], who: str, stage: str, starts_at: datetime
) -> Interview:
    """An hour-long London interview with its reminders; `who` joins the team if new (members is updated)."""
    interview = Interview(
        candidate=candidate,
        stage_key=stage,
        interviewer_id=who,
        starts_at=starts_at,
        duration_minutes=60,
        timezone="Europe/London",
    )
    session.add(interview)
    if who not in members:
        candidate.team.append(TeamMember(user_id=who, role=TeamRole.INTERVIEWER))
        members.add(who)
    session.flush()
    services.reminders.plan_interview(session, interview)
    return interview


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


RATINGS = ("2", "3")  # a first submission, then edits between the two


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


def bot_budget(emulator: SlackEmulator, token: str = BOT_TOKEN) -> int | None:
    """A bot token's remaining emulator budget (it allows 5,000 calls an hour); costs one call."""
    request = urllib.request.Request(
        f"{emulator.api_url}auth.test", data=b"", headers={"Authorization": f"Bearer {token}"}
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as r:
            return int(r.headers.get("X-RateLimit-Remaining", "-1"))
    except OSError:
        return None


def server_env(url: str, api_url: str, seeded: Seeded, token: str = BOT_TOKEN) -> dict[str, str]:
    """The environment the Procfile's processes get: this Web API (the emulator's), this database."""
    env = {
        **os.environ,
        "SLACK_BOT_TOKEN": token,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": api_url,
        "DATABASE_URL": url,
        "HIREBOT_RECRUITERS": seeded.people["rita"],
        "HIREBOT_TIMEZONE": "Europe/London",
    }
    env.pop("SLACK_APP_TOKEN", None)
    return env


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
    bare: bool = False  # the bare app answers every kind with an empty 200
    pause: float = 0.0  # seconds each client waits between its requests (soak.py's steady traffic)
    samples: list[Sample] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    sent: Counter[str] = field(default_factory=Counter)  # warm-up included: /metrics counts those too
    # Slack builds a submission's body on its own machines, so the clients build each one once,
    # before the clock starts (prepare), and do not spend the shared CPUs on it while timing.
    submissions: dict[tuple[int, str], str] = field(default_factory=dict)

    def prepare(self) -> None:
        for interview in self.seeded.interviews:
            for rating in RATINGS:
                self.submissions[(interview[0], rating)] = submit_body(self.seeded, self.pack, interview, rating)

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
        rating = rng.choice(RATINGS)
        cached = self.submissions.get((interview[0], rating))
        return cached if cached is not None else submit_body(seeded, self.pack, interview, rating)

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
        return elapsed, check(kind, status, payload, elapsed, self.bare)

    def client(self, seed_: int, until: float, record: bool, stop: threading.Event | None = None) -> None:
        rng = random.Random(seed_)
        while time.monotonic() < until and not (stop and stop.is_set()):
            kind = self.pick(rng)
            body = self.body(kind, rng)
            elapsed, error = self.send(kind, body)
            with self.lock:
                self.sent[kind] += 1
            if record:
                with self.lock:
                    self.samples.append(Sample(kind, elapsed, error, time.monotonic()))
            if self.pause and stop is not None:
                stop.wait(self.pause)

    def run(
        self, clients: int, seconds: float, record: bool = True, seed_: int = 0, stop: threading.Event | None = None
    ) -> float:
        until = time.monotonic() + seconds
        started = time.monotonic()
        threads = [
            threading.Thread(target=self.client, args=(seed_ + n, until, record, stop), daemon=True)
            for n in range(clients)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        return time.monotonic() - started


def check(kind: str, status: int, payload: bytes, elapsed: float, bare: bool = False) -> str | None:
    """None if the answer is what Slack should get for `kind`, else what is wrong with it."""
    if status != 200:
        return f"HTTP {status}"
    if elapsed > SLACK_ACK_DEADLINE:
        return "ack later than 3 s"
    if bare:
        return "bare: unexpected body" if payload else None
    try:
        body = json.loads(payload) if payload else {}
    except ValueError:
        body = {"text": payload.decode(errors="replace")}
    if kind == "status" and not (body.get("blocks") and STATUS_TEXT.search(body.get("text", ""))):
        return "status: not a loop status"
    if kind == "click" and body:
        return "click: unexpected body"
    if kind == "submit" and body.get("response_action") != "update":
        return f"submit: {body.get('response_action') or 'no response_action'}"
    return None


def quantile(values: list[float], q: float) -> float:
    if len(values) < 2:
        return values[0] if values else float("nan")
    return statistics.quantiles(values, n=100, method="inclusive")[int(q * 100) - 1]


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
