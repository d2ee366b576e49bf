"""The APScheduler job that sweeps the outbox: its id, its interval, and that it really runs."""

from __future__ import annotations

import threading

from apscheduler.triggers.interval import IntervalTrigger
from prometheus_client import REGISTRY

from bot.scheduler import SWEEP_JOB_ID, SWEEP_SECONDS, _sweep, build_scheduler
from bot.services.dispatch import SweepStats


class Dispatcher:
    def __init__(self, fail_first: bool = False) -> None:
        self.swept = threading.Event()
        self.calls = 0
        self.fail_first = fail_first

    def sweep(self) -> SweepStats:
        self.calls += 1
        if self.fail_first and self.calls == 1:
            raise RuntimeError("database went away")
        self.swept.set()
        return SweepStats(claimed=6, sent=2, failed=1, deferred=3)


def test_one_sweep_job_with_an_explicit_id_every_30_seconds():
    scheduler = build_scheduler(Dispatcher())
    scheduler.start(paused=True)
    try:
        job = scheduler.get_job(SWEEP_JOB_ID)
        assert job is not None and len(scheduler.get_jobs()) == 1
        assert isinstance(job.trigger, IntervalTrigger)
        assert job.trigger.interval.total_seconds() == SWEEP_SECONDS == 30
        assert job.max_instances == 1 and job.coalesce is True
        assert str(job.trigger.timezone) == "UTC"
        # Adding it again (a restart in the same store) replaces it rather than adding a second.
        scheduler.add_job(job.func, "interval", args=job.args, seconds=30, id=SWEEP_JOB_ID, replace_existing=True)
        assert len(scheduler.get_jobs()) == 1
    finally:
        scheduler.shutdown(wait=False)


def test_the_job_runs_and_survives_a_failing_sweep():
    dispatcher = Dispatcher(fail_first=True)
    scheduler = build_scheduler(dispatcher, interval_seconds=1)
    scheduler.start()
    try:
        assert dispatcher.swept.wait(timeout=5), "the sweep never succeeded after the first one failed"
    finally:
        scheduler.shutdown(wait=False)
    assert dispatcher.calls >= 2


def counted(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_each_sweep_adds_its_outcomes_to_the_metrics_and_a_crash_is_counted():
    before = {o: counted("hirebot_reminders_total", outcome=o) for o in ("sent", "failed", "deferred", "retried")}
    crashes = counted("hirebot_reminder_sweep_failures_total")
    dispatcher = Dispatcher(fail_first=True)
    _sweep(dispatcher)  # type: ignore[arg-type]
    assert counted("hirebot_reminder_sweep_failures_total") == crashes + 1
    _sweep(dispatcher)  # type: ignore[arg-type]
    after = {o: counted("hirebot_reminders_total", outcome=o) for o in before}
    assert {o: after[o] - before[o] for o in before} == {"sent": 2, "failed": 1, "deferred": 3, "retried": 0}
