"""The APScheduler side: an interval job that sweeps the reminder outbox, and one that mends
loop cards and pre-reads whose refresh was lost (bot/services/mending.py).

The scheduler holds no state of its own: every reminder is a database row, so a restart
loses nothing and the next sweep picks up whatever fell due meanwhile.

The interval is the longest a due row waits, not the usual wait: a sweep that claimed a full
batch sweeps again at once (more is due), and when the next row falls due before the next
run, the job is brought forward to that moment. Chasers fall due at 09:30 sharp; on a plain
30 s interval a Monday's burst waited up to 30 s for its first sweep, and then one sweep a
batch (benchmarks/burst.py).
"""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.background import BackgroundScheduler

from bot import metrics
from bot.services.dispatch import ReminderDispatcher
from bot.services.mending import MEND_SECONDS, Mender
from bot.services.outbox import CLAIM_BATCH

log = logging.getLogger(__name__)

SWEEP_JOB_ID = "hirebot.reminders.sweep"
MEND_JOB_ID = "hirebot.cards.mend"
SWEEP_SECONDS = 30
# Brought forward to a row's due time, the job still waits this long: never a busy loop.
MIN_WAKE_SECONDS = 1.0


def build_scheduler(
    dispatcher: ReminderDispatcher, interval_seconds: int = SWEEP_SECONDS, mender: Mender | None = None
) -> BackgroundScheduler:
    scheduler = BackgroundScheduler(timezone=UTC)
    pacing = _Pacing(interval_seconds)
    scheduler.add_job(
        _sweep,
        "interval",
        args=[dispatcher, pacing],
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
    pacing.scheduler = scheduler
    if mender is not None:
        # Its first look only notes what is behind: a mend needs two looks a minute apart.
        scheduler.add_job(
            _mend,
            "interval",
            args=[mender],
            seconds=MEND_SECONDS,
            next_run_time=datetime.now(UTC),
            id=MEND_JOB_ID,
            max_instances=1,
            coalesce=True,
            misfire_grace_time=MEND_SECONDS,
        )
    return scheduler


def _mend(mender: Mender) -> None:
    try:
        stats = mender.mend()
    except Exception:  # the next pass looks again
        log.exception("mending cards and pre-reads failed")
        return
    metrics.record_mend(stats)


class _Pacing:
    """The job's own state: whether its first sweep is done (logged once, the sign a deploy's
    worker really works), and the scheduler, to bring the next run forward."""

    def __init__(self, interval_seconds: float = SWEEP_SECONDS) -> None:
        self.pending = True
        self.interval = interval_seconds
        self.scheduler: BackgroundScheduler | None = None


def _sweep(dispatcher: ReminderDispatcher, pacing: _Pacing | None = None) -> None:
    """Sweep until what is due is out (one sweep unless it claimed a full batch), then wake for the next row."""
    interval = pacing.interval if pacing else SWEEP_SECONDS
    started = time.monotonic()
    try:
        while True:
            stats = dispatcher.sweep()
            metrics.record_sweep(stats)
            if pacing is not None and pacing.pending:
                pacing.pending = False
                log.info("first reminder sweep done: %s", stats)
            if stats.claimed < CLAIM_BATCH or time.monotonic() - started >= interval:
                break
        due_in = dispatcher.due_in()
    except Exception:
        # The next sweep retries: claimed rows return once their lease lapses.
        metrics.SWEEP_FAILURES.inc()
        log.exception("reminder sweep failed")
        return
    if pacing is not None and pacing.scheduler is not None and due_in is not None and due_in < interval:
        wake = datetime.now(UTC) + timedelta(seconds=max(MIN_WAKE_SECONDS, due_in))
        pacing.scheduler.modify_job(SWEEP_JOB_ID, next_run_time=wake)
