"""Operating hirebot in HTTP mode, as the Procfile runs it: gunicorn with two workers and the
`worker:` scheduler process, against the Slack emulator and a shared database.

Signed requests go to gunicorn from concurrent clients; then /metrics must count them all,
whichever worker scraped, and the worker's own /metrics must count the reminders it sent,
failed and deferred. The logs of both processes are read for what an operator would see.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from pathlib import Path
from urllib.error import HTTPError
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import pytest
from alembic import command as alembic
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.parser import text_string_to_metric_families

from bot.logs import BOLT_TOKEN_UNUSED
from bot.services.workhours import WorkingHours
from db.migrate import alembic_config
from db.models import Interview, Reminder, ReminderKind
from tests.support.emulator import SlackEmulator
from tests.support.loops import open_loop
from tests.support.procfile import procfile
from tests.support.slack import SIGNING_SECRET, sign

HOST = "127.0.0.1"
COMMANDS = 40
UNSIGNED = 6


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def get(url: str, method: str = "GET") -> tuple[int, bytes]:
    request = urllib.request.Request(url, method=method)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read()
    except HTTPError as exc:
        return exc.code, exc.read()


def post(port: int, body: str, signed: bool = True) -> int:
    headers = {"Content-Type": "application/x-www-form-urlencoded", **(sign(body) if signed else {})}
    request = urllib.request.Request(f"http://{HOST}:{port}/slack/events", data=body.encode(), headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except HTTPError as exc:
        return exc.code


def counted_by_worker(metrics_dir: Path) -> dict[int, float]:
    """hirebot_requests_total as each gunicorn worker's own file holds it, by pid."""
    found = {}
    for path in metrics_dir.glob("counter_*.db"):
        families = MultiProcessCollector.merge([str(path)], accumulate=True)
        found[int(path.stem.split("_")[1])] = sum(
            s.value for family in families for s in family.samples if s.name == "hirebot_requests_total"
        )
    return found


def gone(pid: int, timeout: float = 20) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.1)
    return False


def command(user: str, text: str, trigger: str = "0000.0000.ops") -> str:
    return urlencode(
        {
            "team_id": "T000000001",
            "channel_id": "C0GENERAL",
            "user_id": user,
            "command": "/hire",
            "text": text,
            "api_app_id": "A0HIREBOT",
            "response_url": "http://127.0.0.1:9/unused",
            "trigger_id": trigger,
        }
    )


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def total(found: dict, name: str, **labels: str) -> float:
    return sum(v for (n, ls), v in found.items() if n == name and all((k, v_) in ls for k, v_ in labels.items()))


def wait_for(url: str, process: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, "the process exited at start-up"
        try:
            if get(url)[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"{url} never answered")


def stop(process: subprocess.Popen) -> str:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
    try:
        out, _ = process.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        out, _ = process.communicate()
    return out


def seed_reminders(hirebot) -> None:
    """Three due reminders with three fates: a prep kit to send, one to a person Slack does not
    know (failed for good), and a scorecard notice outside the interviewer's working hours (deferred)."""
    now = datetime.now(ZoneInfo("UTC")).replace(microsecond=0)
    hours = WorkingHours(hirebot.services.settings.working_hours_start, hirebot.services.settings.working_hours_end)
    night = next(z for z in (f"Etc/GMT{o:+d}" for o in range(-14, 13)) if not hours.contains(now, z))
    candidate = open_loop(hirebot)
    plans = [
        ("priya", now + timedelta(minutes=20), "UTC", ReminderKind.PREP_KIT),
        ("U0NOBODY01", now + timedelta(minutes=20), "UTC", ReminderKind.PREP_KIT),
        ("omar", now - timedelta(days=1), night, ReminderKind.SCORECARD_DUE),
    ]
    with hirebot.services.db.transaction() as session:
        for who, starts, zone, kind in plans:
            interview = Interview(
                candidate_id=candidate.id,
                stage_key="coding_round",
                interviewer_id=hirebot.users.get(who, who),
                starts_at=starts,
                duration_minutes=60,
                timezone=zone,
            )
            session.add(interview)
            session.flush()
            session.add(
                Reminder(
                    kind=kind,
                    candidate_id=candidate.id,
                    interview_id=interview.id,
                    target_user_id=interview.interviewer_id,
                    due_at=now - timedelta(minutes=1),
                )
            )


@pytest.fixture
def env(hirebot, emulator: SlackEmulator, tmp_path: Path) -> Iterator[dict[str, str]]:
    settings = hirebot.services.settings
    # The fixture built the schema from the models; mark it migrated, as the release step would,
    # because gunicorn's master refuses to start on a database it cannot see a revision in.
    alembic.stamp(alembic_config(settings.database_url), "head")
    yield {
        **os.environ,
        "SLACK_BOT_TOKEN": settings.slack_bot_token,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": emulator.api_url,
        "DATABASE_URL": settings.database_url,
        "HIREBOT_RECRUITERS": hirebot.users["rita"],
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics"),
    }


@pytest.mark.e2e
def test_two_gunicorn_workers_and_the_worker_report_consistent_metrics(hirebot, env, tmp_path) -> None:
    seed_reminders(hirebot)
    metrics_dir = tmp_path / "metrics"
    metrics_dir.mkdir()
    (metrics_dir / "counter_999999.db").write_bytes(b"left by an earlier run")
    port = free_port()
    web = subprocess.Popen(
        procfile("web", HOST, port), cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    try:
        wait_for(f"http://{HOST}:{port}/readyz", web)
        assert get(f"http://{HOST}:{port}/readyz", "HEAD") == (200, b"")
        assert get(f"http://{HOST}:{port}/healthz", "HEAD") == (200, b"")
        rita = hirebot.users["rita"]

        def burst(count: int, signed: bool = True) -> list[int]:
            with ThreadPoolExecutor(max_workers=8) as pool:
                return list(pool.map(lambda _: post(port, command(rita, "help"), signed), range(count)))

        statuses = burst(COMMANDS // 2)
        # The workers that answered stop (gunicorn starts new ones); their counts must stay, and
        # the next requests are answered by other workers.
        served = [pid for pid, n in counted_by_worker(metrics_dir).items() if n]
        for pid in served:
            os.kill(pid, signal.SIGTERM)
        assert all(gone(pid) for pid in served)
        wait_for(f"http://{HOST}:{port}/readyz", web)
        statuses += burst(COMMANDS - COMMANDS // 2) + burst(UNSIGNED, signed=False)
        # A modal opened with a stale trigger: Slack refuses views.open, the person is told why.
        statuses.append(post(port, command(rita, "new", trigger="12345.98765.stale")))
        assert statuses.count(200) == COMMANDS + 1 and statuses.count(401) == UNSIGNED
        scrapes = [samples(get(f"http://{HOST}:{port}/metrics")[1].decode()) for _ in range(6)]
    finally:
        web_log = stop(web)

    answered = COMMANDS + UNSIGNED + 1
    for found in scrapes:  # whichever worker answered the scrape, the same sums
        assert total(found, "hirebot_requests_total") == answered
        assert total(found, "hirebot_requests_total", interaction="command", outcome="ok") == COMMANDS + 1
        assert total(found, "hirebot_requests_total", interaction="unknown", outcome="rejected") == UNSIGNED
        assert total(found, "hirebot_ack_seconds_count", interaction="command") == COMMANDS + 1
        assert total(found, "hirebot_slack_errors_total", method="views.open") == 1
        assert total(found, "hirebot_slack_calls_total", method="views.open") == 1
        assert total(found, "hirebot_outbox_rows", status="pending") == 3
        assert total(found, "hirebot_outbox_oldest_due_seconds") >= 60
    # Each worker counted its own share, the stopped ones included; the scrape added them up.
    per_worker = counted_by_worker(metrics_dir)
    assert 999999 not in per_worker, "counts from an earlier run were kept"
    assert len([n for n in per_worker.values() if n]) >= 2, per_worker
    assert sum(per_worker.values()) == answered

    # gunicorn's lines and hirebot's share one timestamped format; Bolt's token notice is gone.
    assert " INFO gunicorn.error: Booting worker" in web_log, web_log
    assert "INFO bot.slack_gateway: slack views.open answered" in web_log, web_log
    assert BOLT_TOKEN_UNUSED not in web_log
    assert "gunicorn.access" not in web_log  # off unless HIREBOT_ACCESS_LOG=1
    for line in web_log.splitlines():
        assert line[:4].isdigit() and line[10] == "T", line

    worker_port = free_port()
    worker = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "worker"],
        cwd=tmp_path,
        env={
            **{k: v for k, v in env.items() if k != "PROMETHEUS_MULTIPROC_DIR"},  # one process: its own counts
            "HIREBOT_METRICS_PORT": str(worker_port),
            "HIREBOT_SWEEP_SECONDS": "1",
        },
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        wait_for(f"http://{HOST}:{worker_port}/metrics", worker)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            found = samples(get(f"http://{HOST}:{worker_port}/metrics")[1].decode())
            if all(total(found, "hirebot_reminders_total", outcome=o) for o in ("sent", "failed", "deferred")):
                break
            time.sleep(0.5)
        time.sleep(2.5)  # a few more sweeps, for the log check below
    finally:
        worker_log = stop(worker)
    assert total(found, "hirebot_reminders_total", outcome="sent") == 1, worker_log
    assert total(found, "hirebot_reminders_total", outcome="failed") == 1
    assert total(found, "hirebot_reminders_total", outcome="deferred") == 1
    assert total(found, "hirebot_slack_errors_total", method="chat.postMessage") == 1
    assert total(found, "hirebot_outbox_rows", status="sent") == 1
    assert total(found, "hirebot_outbox_rows", status="failed") == 1
    assert total(found, "hirebot_outbox_oldest_due_seconds") == 0  # the deferred one is not due yet
    # A sweep a second, and not one line of APScheduler's about it.
    assert "apscheduler" not in worker_log, worker_log
    assert "sweeping reminders every 1 s" in worker_log
