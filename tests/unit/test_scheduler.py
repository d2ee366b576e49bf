"""The APScheduler job that sweeps the outbox: its id, its interval, and that it really runs."""

from __future__ import annotations

import threading

from apscheduler.triggers.interval import IntervalTrigger

from bot.scheduler import SWEEP_JOB_ID, SWEEP_SECONDS, build_scheduler


class Dispatcher:
    def __init__(self, fail_first: bool = False) -> None:
        self.swept = threading.Event()
        self.calls = 0
        self.fail_first = fail_first

    def sweep(self) -> None:
        self.calls += 1
        if self.fail_first and self.calls == 1:
            raise RuntimeError("database went away")
        self.swept.set()


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


def test_the_first_sweep_runs_at_start_and_is_logged(caplog):
    dispatcher = Dispatcher()
    scheduler = build_scheduler(dispatcher)  # every 30 s: only a sweep at start can pass in time
    with caplog.at_level("INFO", logger="bot.scheduler"):
        scheduler.start()
        try:
            assert dispatcher.swept.wait(timeout=5), "no sweep at start"
            scheduler.shutdown(wait=True)
        finally:
            if scheduler.running:
                scheduler.shutdown(wait=False)
    assert caplog.text.count("first reminder sweep done") == 1
