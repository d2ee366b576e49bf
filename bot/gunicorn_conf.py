"""gunicorn's settings for the web process (the Procfile's `web:`):

    gunicorn --config python:bot.gunicorn_conf --workers 2 --bind 0.0.0.0:3000 'bot.web:create_wsgi()'

Logging: gunicorn's lines and hirebot's share bot/logs.py's set-up (stdout, UTC timestamps,
HIREBOT_LOG_LEVEL, HIREBOT_LOG_FORMAT); without it hirebot's INFO lines were dropped and
its warnings printed bare.

Metrics: each worker counts for itself, so prometheus_client's multiprocess mode keeps the
counts in files under PROMETHEUS_MULTIPROC_DIR and any worker's /metrics adds them all up.
The variable must be set before a worker imports prometheus_client, so it is set here, in
the master, to a fresh directory when the operator has not chosen one. A chosen directory is
emptied at start: counts left from an earlier run would be added to this one's.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from bot.config import load_log_settings
from bot.logs import logging_config

_logs = load_log_settings()
logconfig_dict = logging_config(_logs.log_level, _logs.log_format)

_OWN_METRICS_DIR = not os.environ.get("PROMETHEUS_MULTIPROC_DIR")
if _OWN_METRICS_DIR:
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="hirebot-metrics-")


def on_starting(server: Any) -> None:
    directory = Path(os.environ["PROMETHEUS_MULTIPROC_DIR"])
    directory.mkdir(parents=True, exist_ok=True)
    for stale in directory.glob("*.db"):
        stale.unlink()


def child_exit(server: Any, worker: Any) -> None:
    """A worker that exited keeps its counts; its live gauges go."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def on_exit(server: Any) -> None:
    if _OWN_METRICS_DIR:
        shutil.rmtree(os.environ["PROMETHEUS_MULTIPROC_DIR"], ignore_errors=True)
