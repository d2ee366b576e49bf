"""`hirebot worker`, the Procfile's scheduler process, stops cleanly on SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from db.migrate import upgrade
from tests.support.emulator import BOT_TOKEN


def test_the_worker_starts_its_scheduler_and_stops_on_sigterm(emulator, tmp_path):
    upgrade(f"sqlite:///{tmp_path}/worker.db")  # the release step; the worker itself never migrates
    env = {
        **os.environ,
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_API_URL": emulator.api_url,
        "DATABASE_URL": f"sqlite:///{tmp_path}/worker.db",
    }
    worker = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "worker"],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    started = ""
    # A readiness wait, not a timing: start-up (imports, the token check) took over 20 s once
    # on a machine busy with a benchmark, and failed a run that had nothing wrong.
    deadline = time.monotonic() + 60
    while "sweeping reminders" not in started and time.monotonic() < deadline:
        started += worker.stdout.readline()
    assert "sweeping reminders" in started, started
    # Several processes on one SQLite file is the mistake to warn about, once.
    assert started.count("one process on one machine") == 1, started
    worker.send_signal(signal.SIGTERM)
    try:
        rest, _ = worker.communicate(timeout=15)
    finally:
        worker.kill()
    assert worker.returncode == 0, rest
    assert "reminder scheduler stopped" in rest
