"""The APScheduler side: one interval job that sweeps the reminder outbox.

The scheduler holds no state of its own: every reminder is a database row, so a restart
loses nothing and the next sweep picks up whatever fell due meanwhile.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from apscheduler.schedulers.background import BackgroundScheduler

from bot import metrics
from bot.services.dispatch import ReminderDispatcher

log = logging.getLogger(__name__)

SWEEP_JOB_ID = "hirebot.reminders.sweep"
SWEEP_SECONDS = 30


def build_scheduler(dispatcher: ReminderDispatcher, interval_seconds: int = SWEEP_SECONDS) -> BackgroundScheduler:
    scheduler = BackgroundScheduler(timezone=UTC)
    scheduler.add_job(
        _sweep,
        "interval",
        args=[dispatcher, _FirstSweep()],
        seconds=interval_seconds,
        # Sweep at start, not 30 s later: whatever fell due while no worker ran goes out now.
        next_run_time=datetime.now(UTC),
        id=SWEEP_JOB_ID,
        replace_existing=True,
        # One sweep at a time per process; a slow sweep is not followed by a burst of catch-ups.
        max_instances=1,
        coalesce=True,
        misfire_grace_time=interval_seconds,
    )
    return scheduler


class _FirstSweep:
    """Logs the process's first completed sweep: the sign a deploy's worker really works."""

    def __init__(self) -> None:
        self.pending = True


def _sweep(dispatcher: ReminderDispatcher, first: _FirstSweep | None = None) -> None:
    try:
        stats = dispatcher.sweep()
    except Exception:
        # The next sweep retries: claimed rows return once their lease lapses.
        metrics.SWEEP_FAILURES.inc()
        log.exception("reminder sweep failed")
        return
    metrics.record_sweep(stats)
    if first is not None and first.pending:
        first.pending = False
        log.info("first reminder sweep done: %s", stats)
