"""gunicorn's settings for the web process (the Procfile's `web:`):

    gunicorn --config python:bot.gunicorn_conf --workers 2 --bind 0.0.0.0:3000 'bot.web:create_wsgi()'

Start-up checks (settings, token, schema) run once here, in the master, before any worker
forks: a mistake stops the deploy with one line and a non-zero exit instead of a traceback
per worker, and a Slack outage during a deploy is a warning, not a crash.

Logging: gunicorn's lines and hirebot's share bot/logs.py's set-up (stdout, UTC timestamps,
HIREBOT_LOG_LEVEL, HIREBOT_LOG_FORMAT); without it hirebot's INFO lines were dropped and
its warnings printed bare.

Metrics: each worker counts for itself, so prometheus_client's multiprocess mode keeps the
counts in files under PROMETHEUS_MULTIPROC_DIR and any worker's /metrics adds them all up.
The variable must be set before prometheus_client is imported (it picks its value class
then, and the workers fork with the master's modules), so it is set here, in the master,
before any of hirebot's imports, to a fresh directory when the operator has not chosen one. A chosen directory is
emptied at start: counts left from an earlier run would be added to this one's.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

from gunicorn import glogging  # type: ignore[import-untyped]

_OWN_METRICS_DIR = not os.environ.get("PROMETHEUS_MULTIPROC_DIR")
if _OWN_METRICS_DIR:
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="hirebot-metrics-")

# bot.startup imports bot.metrics, hence prometheus_client: only after the line above.
from bot.background import stopping  # noqa: E402
from bot.config import ConfigError, load_log_settings, load_settings  # noqa: E402
from bot.logs import logging_config  # noqa: E402
from bot.memory import limit_malloc_arenas, settle_garbage_collector  # noqa: E402
from bot.startup import preflight  # noqa: E402

_logs = load_log_settings()
logconfig_dict = logging_config(_logs.log_level, _logs.log_format)


class Logger(glogging.Logger):
    """gunicorn's logger, writing its access line only when HIREBOT_ACCESS_LOG is on. With a
    logging config given, gunicorn builds that line's fields for every request even when
    nothing would print it, so turning the logger's level up is not enough."""

    def access(self, resp: Any, req: Any, environ: dict[str, Any], request_time: Any) -> None:
        if _logs.access_log:
            super().access(resp, req, environ, request_time)


logger_class = Logger


def on_starting(server: Any) -> None:
    limit_malloc_arenas()  # in the master, so every forked worker has it (bot/memory.py)
    try:
        preflight(load_settings(), needs=("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET"))
    except ConfigError as exc:
        print(f"hirebot: {exc}", file=sys.stderr, flush=True)
        sys.exit(2)
    directory = Path(os.environ["PROMETHEUS_MULTIPROC_DIR"])
    directory.mkdir(parents=True, exist_ok=True)
    for stale in directory.glob("*.db"):
        stale.unlink()


def post_worker_init(worker: Any) -> None:
    """In each worker, once it has loaded the app and before it takes a request (bot/memory.py)."""
    settle_garbage_collector()


# How long a stopping web worker keeps starting queued refreshes and outbox sweeps (the rest
# are redone later; actions and messages built from an event all run). Well inside gunicorn's
# graceful timeout (30 s), after which it kills the worker with whatever is left.
EXIT_GRACE_SECONDS = 5.0


def worker_exit(server: Any, worker: Any) -> None:
    """In the worker, once it has answered its last request and before Python drains its
    background threads at exit (bot/background.py)."""
    stopping(EXIT_GRACE_SECONDS)


def child_exit(server: Any, worker: Any) -> None:
    """A worker that exited keeps its counts; its live gauges go."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def on_exit(server: Any) -> None:
    if _OWN_METRICS_DIR:
        shutil.rmtree(os.environ["PROMETHEUS_MULTIPROC_DIR"], ignore_errors=True)
