"""What bot/scheduler.py decides: one sweep job, its id and interval, that it sweeps the
dispatcher it was given, and that a failing sweep is logged rather than raised; and, given a
mender, the job that mends lost card and pre-read refreshes.

The job's function is called directly: whether APScheduler fires an interval job on time is
APScheduler's to test, not ours."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import pytest
from prometheus_client import REGISTRY

from bot.scheduler import (
    MEND_JOB_ID,
    MIN_WAKE_SECONDS,
    SWEEP_JOB_ID,
    SWEEP_SECONDS,
    _mend,
    _sweep,
    build_scheduler,
)
from bot.services.dispatch import SweepStats
from bot.services.mending import MEND_SECONDS
from bot.services.outbox import CLAIM_BATCH
from tests.support.domain import at, form_for, new_loop, plan
from tests.support.fakes import PRIYA, RECRUITER, MutableClock, fake_services


class Dispatcher:
    def __init__(self, error: Exception | None = None, once: bool = False) -> None:
        self.calls = 0
        self.error, self.once = error, once

    def sweep(self) -> SweepStats:
        self.calls += 1
        if self.error is not None and (not self.once or self.calls == 1):
            raise self.error
        return SweepStats(claimed=6, sent=2, failed=1, deferred=3)

    def due_in(self) -> float | None:
        return None


@pytest.mark.parametrize("interval", [SWEEP_SECONDS, 7])
def test_one_sweep_job_with_our_id_at_the_interval_asked_for(interval):
    job = _only_job(build_scheduler(Dispatcher(), interval_seconds=interval))
    assert job.id == SWEEP_JOB_ID
    assert job.trigger.interval.total_seconds() == interval
    # A slow sweep is never run twice at once, nor followed by a burst of catch-ups.
    assert job.max_instances == 1 and job.coalesce is True and job.misfire_grace_time == interval
    assert str(job.trigger.timezone) == "UTC"


def test_the_default_interval_is_30_seconds():
    assert SWEEP_SECONDS == 30
    assert _only_job(build_scheduler(Dispatcher())).trigger.interval.total_seconds() == 30


def test_the_job_sweeps_the_dispatcher_it_was_given():
    dispatcher = Dispatcher()
    job = _only_job(build_scheduler(dispatcher))
    job.func(*job.args)
    assert dispatcher.calls == 1


def test_the_job_sends_what_is_due_through_the_real_dispatcher():
    world = fake_services(MutableClock(at("2030-03-04 09:00")))
    world.services.loops.add_interview(new_loop(world), plan(when="2030-03-06 14:00"), RECRUITER)
    job = _only_job(build_scheduler(world.services.dispatcher))
    world.clock.set(at("2030-03-06 13:31"))
    job.func(*job.args)
    assert [m["channel"] for m in world.slack.called("post_message")][-1] == PRIYA
    assert len(world.render.of("prep_kit")) == 1


def test_a_failing_sweep_is_logged_and_does_not_stop_the_job(caplog):
    dispatcher = Dispatcher(RuntimeError("database went away"))
    job = _only_job(build_scheduler(dispatcher))
    with caplog.at_level(logging.ERROR, logger="bot.scheduler"):
        job.func(*job.args)
        job.func(*job.args)
    assert dispatcher.calls == 2
    assert [r.getMessage() for r in caplog.records] == ["reminder sweep failed"] * 2


def _only_job(scheduler):
    [job] = scheduler.get_jobs()
    return job


def test_the_first_sweep_runs_at_start_and_is_logged_once(caplog):
    dispatcher = Dispatcher()
    job = _only_job(build_scheduler(dispatcher))  # every 30 s, yet due now: whatever fell due while down goes out
    assert job.next_run_time is not None
    with caplog.at_level(logging.INFO, logger="bot.scheduler"):
        job.func(*job.args)
        job.func(*job.args)
    assert dispatcher.calls == 2
    assert caplog.text.count("first reminder sweep done") == 1


def counted(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_each_sweep_adds_its_outcomes_to_the_metrics_and_a_crash_is_counted():
    before = {o: counted("hirebot_reminders_total", outcome=o) for o in ("sent", "failed", "deferred", "retried")}
    crashes = counted("hirebot_reminder_sweep_failures_total")
    dispatcher = Dispatcher(RuntimeError("database went away"), once=True)
    _sweep(dispatcher)  # type: ignore[arg-type]
    assert counted("hirebot_reminder_sweep_failures_total") == crashes + 1
    _sweep(dispatcher)  # type: ignore[arg-type]
    after = {o: counted("hirebot_reminders_total", outcome=o) for o in before}
    assert {o: after[o] - before[o] for o in before} == {"sent": 2, "failed": 1, "deferred": 3, "retried": 0}


class Backlogged:
    """Full batches twice, then a short one; the next row falls due `due_in` seconds later."""

    def __init__(self, due_in: float | None) -> None:
        self.claims = [CLAIM_BATCH, CLAIM_BATCH + 40, 7]
        self.calls = 0
        self.next = due_in

    def sweep(self) -> SweepStats:
        self.calls += 1
        return SweepStats(claimed=self.claims.pop(0) if self.claims else 0)

    def due_in(self) -> float | None:
        return self.next


def test_a_sweep_that_claimed_a_full_batch_sweeps_again_at_once():
    dispatcher = Backlogged(due_in=None)
    job = _only_job(build_scheduler(dispatcher))
    job.func(*job.args)
    assert dispatcher.calls == 3


@pytest.mark.parametrize(("due_in", "wake"), [(4.0, 4.0), (0.0, MIN_WAKE_SECONDS), (0.2, MIN_WAKE_SECONDS)])
def test_the_next_run_is_brought_forward_to_the_next_due_row(due_in, wake):
    scheduler = build_scheduler(Backlogged(due_in=due_in))
    job = _only_job(scheduler)
    before = datetime.now(UTC)
    job.func(*job.args)
    moved = _only_job(scheduler).next_run_time
    assert before + timedelta(seconds=wake) <= moved <= datetime.now(UTC) + timedelta(seconds=wake)


@pytest.mark.parametrize("due_in", [None, float(SWEEP_SECONDS), 600.0])
def test_nothing_due_before_the_next_run_leaves_the_interval_alone(due_in):
    scheduler = build_scheduler(Backlogged(due_in=due_in))
    job = _only_job(scheduler)
    planned = job.next_run_time
    job.func(*job.args)
    assert _only_job(scheduler).next_run_time == planned


def test_given_a_mender_it_mends_every_minute_counts_what_it_mended_and_survives_a_crash(caplog):
    world = fake_services(MutableClock(at("2030-03-04 09:00")))
    scheduler = build_scheduler(Dispatcher(), mender=world.services.mender)
    job = scheduler.get_job(MEND_JOB_ID)
    assert job.trigger.interval.total_seconds() == MEND_SECONDS == 60 and job.max_instances == 1
    candidate_id = new_loop(world)
    interview_id = world.services.loops.add_interview(candidate_id, plan(), RECRUITER)
    world.services.background.drain()
    world.services.scorecards.submit(interview_id, PRIYA, form_for(world, "coding_round"))
    world.services.background.queue.clear()  # its refresh was lost
    before = counted("hirebot_mends_total", outcome="mended")
    job.func(*job.args)
    job.func(*job.args)
    assert counted("hirebot_mends_total", outcome="mended") == before + 1

    class Broken:
        def mend(self):
            raise RuntimeError("database went away")

    with caplog.at_level(logging.ERROR):
        _mend(Broken())  # type: ignore[arg-type]
    assert "mending cards and pre-reads failed" in caplog.text
