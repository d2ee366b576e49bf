"""The after-the-ack runner: coalescing by key, and telling people about failures."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from bot.background import Coalescer, Lane, QueuedBackground, ThreadBackground, stopping
from bot.errors import PermissionDenied


def test_a_keyed_job_whose_twin_is_still_waiting_is_dropped():
    background = QueuedBackground()
    ran: list[str] = []
    for n in range(5):
        background.submit(lambda n=n: ran.append(f"card {n}"), user=None, key=("loop", 1))
    background.submit(lambda: ran.append("other loop"), user=None, key=("loop", 2))
    background.submit(lambda: ran.append("receipt"), user=None)
    background.submit(lambda: ran.append("receipt"), user=None)
    assert background.drain() == 4
    assert ran == ["card 0", "other loop", "receipt", "receipt"]


def test_once_a_keyed_job_has_started_a_new_change_queues_again():
    started, release = threading.Event(), threading.Event()
    runs: list[int] = []

    def slow() -> None:
        runs.append(1)
        started.set()
        release.wait(5)

    background = ThreadBackground(follow_up_workers=1)
    background.submit(slow, user=None, key=("loop", 7))
    assert started.wait(5)
    background.submit(slow, user=None, key=("loop", 7))  # the first is running: this one must run too
    background.submit(slow, user=None, key=("loop", 7))  # ...but this twin of a waiting job is dropped
    release.set()
    background.wait()
    background.shutdown()
    assert len(runs) == 2


def test_a_domain_error_is_told_to_the_person_and_a_crash_is_not_leaked():
    told: list[tuple[str, str, str | None]] = []
    background = QueuedBackground(notify=lambda user, text, channel, reply_url: told.append((user, text, channel)))

    def refused() -> None:
        raise PermissionDenied("Only the recruiter can do that.")

    def crashed() -> None:
        raise RuntimeError("candidate Jane Doe's notes: ...")

    background.submit(refused, user="U1", channel="C1")
    background.submit(crashed, user="U2")
    background.drain()
    assert told[0] == ("U1", "Only the recruiter can do that.", "C1")
    assert told[1][0] == "U2" and "Jane Doe" not in told[1][1]


def test_waiting_covers_the_jobs_a_job_submitted():
    """A change committed in a background job queues its follow-ups there; waiting for the job
    waits for them too (the benchmarks and tests read the result right after)."""
    runner = ThreadBackground(follow_up_workers=2)
    done = threading.Event()

    def follow_up() -> None:
        threading.Event().wait(0.2)
        done.set()

    def change() -> None:
        threading.Event().wait(0.05)
        runner.submit(follow_up, user=None)

    runner.submit(change, user=None)
    runner.wait()
    assert done.is_set()
    runner.shutdown()


def test_depth_counts_the_jobs_waiting_for_a_thread_and_reports_each_change():
    started, release = threading.Event(), threading.Event()
    heard: list[int] = []

    def slow() -> None:
        started.set()
        release.wait(5)

    background = ThreadBackground(follow_up_workers=1, action_workers=1, on_depth=heard.append)
    background.submit(slow, user=None)
    assert started.wait(5)
    started.clear()
    background.submit(slow, user=None, key=("home", None))
    assert started.wait(5)
    background.submit(lambda: None, user=None)
    background.submit(lambda: None, user=None, key=("card", 1))
    background.submit(lambda: None, user=None, key=("card", 1))  # a dropped twin does not count
    assert background.depth == 2  # one in each pool
    release.set()
    background.wait()
    background.shutdown()
    assert background.depth == 0
    assert heard[:6] == [1, 0, 1, 0, 1, 2] and heard[-1] == 0 and len(heard) == 8


def test_a_coalescer_runs_once_for_requests_made_before_it_ran():
    background = QueuedBackground()
    runs: list[int] = []
    coalesced = Coalescer(background, lambda: runs.append(1), key=("homes", None))
    for _ in range(5):
        coalesced.request()
    assert background.drain() == 1 and runs == [1]
    coalesced.request()
    assert background.drain() == 1 and runs == [1, 1]


def test_a_request_during_a_run_gets_one_more_run_after_it():
    background = QueuedBackground()
    runs: list[int] = []

    def job() -> None:
        runs.append(1)
        if len(runs) == 1:  # changes land while the first run reads
            coalesced.request()
            coalesced.request()

    coalesced = Coalescer(background, job, key=("homes", None))
    coalesced.request()
    assert background.drain() == 2  # the second run is a job of its own: the thread is free between
    assert runs == [1, 1]


class TimedBackground(QueuedBackground):
    """A queued runner whose `after` waits on a clock the test moves by hand."""

    def __init__(self) -> None:
        super().__init__()
        self.now = 100.0
        self.waiting: list[tuple[float, Callable[[], None]]] = []

    def after(self, seconds: float, submit: Callable[[], None]) -> None:
        self.waiting.append((self.now + seconds, submit))

    def advance(self, seconds: float) -> None:
        self.now += seconds
        due = [submit for at, submit in self.waiting if at <= self.now]
        self.waiting = [(at, submit) for at, submit in self.waiting if at > self.now]
        for submit in due:
            submit()


def test_a_spaced_coalescer_runs_at_once_after_a_quiet_spell_and_then_once_per_spacing():
    background = TimedBackground()
    runs: list[float] = []
    coalesced = Coalescer(
        background, lambda: runs.append(background.now), key=("homes", None), spacing=10, clock=lambda: background.now
    )
    coalesced.request()
    assert background.drain() == 1 and runs == [100.0]  # the first change shows at once
    for _ in range(3):  # a steady stream: one request a second
        background.advance(1)
        coalesced.request()
        assert background.drain() == 0  # waiting for its spacing, not queued on a thread
    assert [at for at, _ in background.waiting] == [110.0]  # one run waits, however many asked
    background.advance(6)
    assert background.drain() == 0
    background.advance(1)
    assert background.drain() == 1 and runs == [100.0, 110.0]
    background.advance(60)  # quiet: the next request runs at once again
    coalesced.request()
    assert background.drain() == 1 and runs == [100.0, 110.0, 170.0]


def test_a_request_during_a_spaced_run_waits_for_the_spacing_from_that_runs_start():
    background = TimedBackground()
    runs: list[float] = []

    def job() -> None:
        runs.append(background.now)
        background.now += 4  # a slow read and publish
        if len(runs) == 1:
            coalesced.request()

    coalesced = Coalescer(background, job, key=("homes", None), spacing=10, clock=lambda: background.now)
    coalesced.request()
    assert background.drain() == 1
    assert [at for at, _ in background.waiting] == [110.0]  # 10 s after the first run started, not ended
    background.advance(6)
    assert background.drain() == 1 and runs == [100.0, 110.0]
    assert not background.waiting


def test_the_spacing_timer_submits_the_waiting_run_once():
    background = ThreadBackground(follow_up_workers=1)
    done = threading.Event()
    runs: list[int] = []

    def job() -> None:
        runs.append(1)
        if len(runs) == 2:
            done.set()

    coalesced = Coalescer(background, job, key=("homes", None), spacing=0.05)
    coalesced.request()
    background.wait()
    for _ in range(5):
        coalesced.request()
    assert done.wait(5)
    background.wait()
    background.shutdown()
    assert runs == [1, 1]


def test_delayed_calls_run_in_the_order_of_their_time_on_one_thread_however_many(caplog):
    background = ThreadBackground()
    before = threading.active_count()
    done = threading.Event()
    ran: list[tuple[str, str]] = []

    def call(name: str) -> Callable[[], None]:
        def submit() -> None:
            ran.append((name, threading.current_thread().name))
            if name == "last":
                done.set()

        return submit

    def broken() -> None:
        raise RuntimeError("candidate Jane Roe")

    background.after(0.30, call("last"))
    background.after(0.05, broken)  # a failed call is logged by its type, and the thread goes on
    for n in range(20):
        background.after(0.10 + n / 1000, call(f"spaced {n}"))
    assert done.wait(5)
    background.shutdown()
    assert [name for name, _ in ran] == [f"spaced {n}" for n in range(20)] + ["last"]
    assert {thread for _, thread in ran} == {"hirebot-later"}
    assert threading.active_count() <= before + 1  # one thread for them all, not one per call
    assert "RuntimeError" in caplog.text and "Jane Roe" not in caplog.text


def test_a_failed_run_does_not_block_the_next_request():
    background = QueuedBackground()
    outcomes: list[str] = []

    def job() -> None:
        outcomes.append("run")
        if len(outcomes) == 1:
            raise RuntimeError("database away")

    coalesced = Coalescer(background, job, key=("homes", None))
    coalesced.request()
    background.drain()  # the failure is logged by the runner
    coalesced.request()
    background.drain()
    assert outcomes == ["run", "run"]


def test_a_job_submitted_while_the_process_exits_is_dropped_without_a_crash(caplog):
    """gunicorn stopping a worker: a follow-up's own follow-up finds the pool shut down."""
    background = ThreadBackground(follow_up_workers=1)
    background.shutdown()
    with caplog.at_level(logging.INFO, logger="bot.background"):
        background.submit(lambda: None, user=None, key=("homes", None))
        background.submit(lambda: None, user="U0RITA0001")  # an action (unkeyed) says which it was
    assert background.depth == 0
    assert "a follow-up was not started" in caplog.text and "an action was not started" in caplog.text
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


def test_an_action_does_not_wait_behind_a_backlog_of_follow_ups():
    """A vote or a decision a person was acked for runs at once, even while every follow-up thread
    waits on Slack's pace for a card refresh (a hiring event's burst of changes)."""
    release = threading.Event()
    acted = threading.Event()
    background = ThreadBackground(follow_up_workers=2)
    try:
        for loop_id in range(6):
            background.submit(lambda: release.wait(5), user=None, key=("card", loop_id))
        background.submit(acted.set, user="U_VOTER")
        assert acted.wait(2), "the action waited for the follow-ups"
        assert background.depth == 4  # the follow-ups beyond the two running still wait
    finally:
        release.set()
        background.wait()
        background.shutdown()
    assert background.depth == 0


def test_a_vote_does_not_wait_behind_a_burst_of_loop_set_ups():
    """Fifty `/hire new` in a hiring event sleep on conversations.create's Tier 2 pace for minutes;
    a vote or a decision cast meanwhile runs at once, and the set-ups still all run, in order."""
    release = threading.Event()
    acted = threading.Event()
    opened: list[int] = []
    background = ThreadBackground(action_workers=2, setup_workers=1)
    try:
        for loop_id in range(5):
            background.submit(
                lambda loop_id=loop_id: (release.wait(5), opened.append(loop_id)), user=None, lane=Lane.SETUP
            )
        background.submit(acted.set, user="U_VOTER")
        assert acted.wait(2), "the vote waited for the loop set-ups"
        assert background.depth == 4  # one set-up runs, four wait
    finally:
        release.set()
        background.wait()
        background.shutdown()
    assert opened == [0, 1, 2, 3, 4]


def test_a_stopping_worker_drops_the_refreshes_it_has_not_started_in_time_and_runs_the_rest():
    """A deploy under load: the refreshes queued behind Slack's pace are redone by the next
    change, so past the grace they are dropped; an action and a message built from an event
    (unkeyed jobs) still run."""
    release = threading.Event()
    ran: list[str] = []
    background = ThreadBackground(follow_up_workers=1, action_workers=1)
    try:
        background.submit(lambda: release.wait(5), user=None, key=("card", 1))  # the one running
        background.submit(lambda: ran.append("card 2"), user=None, key=("card", 2))
        background.submit(lambda: ran.append("invite"), user=None)
        stopping(0.0)  # gunicorn's worker_exit, with no grace left
        background.submit(lambda: ran.append("card 3"), user=None, key=("card", 3))
        release.set()
        background.wait()
    finally:
        stopping(None)
        release.set()
        background.shutdown()
    assert ran == ["invite"]
    assert background.dropped == 2 and background.depth == 0


def test_within_the_grace_a_stopping_worker_still_refreshes():
    ran: list[str] = []
    background = ThreadBackground(follow_up_workers=1)
    stopping(60.0)
    try:
        background.submit(lambda: ran.append("card"), user=None, key=("card", 1))
        background.wait()
    finally:
        stopping(None)
        background.shutdown()
    assert ran == ["card"] and background.dropped == 0
