"""Work done after the ack: Slack gives an interaction 3 seconds, and creating a channel,
inviting a team and pinning a card can take longer than that.

A failure here cannot reach the person through the HTTP response any more, so a domain
error is reported to them by DM through the gateway; anything else is logged with its type
only (the arguments may hold candidate data) and the person is told it failed.
"""

from __future__ import annotations

import enum
import heapq
import itertools
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, Protocol

from bot.errors import HirebotError

log = logging.getLogger(__name__)

# (user id, sentence, channel to answer in, response_url of the command being answered)
Notify = Callable[[str, str, "str | None", "str | None"], None]


Key = tuple[str, Any]


class Lane(enum.Enum):
    """Which threads an unkeyed job waits for (keyed jobs are follow-ups, on threads of their own)."""

    ACTION = "action"  # what a person was acked for and is waiting on: a vote, a decision, a plan change
    # A loop's channel set-up: paced by conversations.create's Tier 2 (about 20 a minute), so a
    # burst of new loops sleeps on the rate limiter for minutes; never ahead of a vote.
    SETUP = "setup"


class Background(Protocol):
    def submit(
        self,
        job: Callable[[], Any],
        *,
        user: str | None,
        channel: str | None = None,
        key: Key | None = None,
        reply_url: str | None = None,
        lane: Lane = Lane.ACTION,
    ) -> None:
        """Run `job` after the ack. A `key` marks a job that redoes its work from the database (a
        refresh, an outbox sweep): one whose twin is still waiting is dropped, since refreshing a
        card twice in a row says nothing the second refresh won't. A failure is told to `user`:
        through `reply_url` (a slash command's response_url) when there is one. `lane` says
        which threads an unkeyed job runs on."""

    def after(self, seconds: float, submit: Callable[[], None]) -> None:
        """Call `submit` in `seconds`, off the caller's thread: a spaced follow-up's next run (Coalescer)."""


_job = threading.local()


def in_job() -> bool:
    """True inside a job this runner is running: off the request path already."""
    return bool(getattr(_job, "running", False))


class _Reporting:
    def __init__(self, notify: Notify | None = None):
        self.notify = notify

    def _run(self, job: Callable[[], Any], user: str | None, channel: str | None, reply_url: str | None) -> None:
        _job.running = True
        try:
            job()
        except HirebotError as exc:
            log.warning("background job failed: %s (%s)", type(exc).__name__, exc)
            self._tell(user, channel, reply_url, exc.user_message)
        except Exception:
            log.exception("background job crashed")
            self._tell(
                user, channel, reply_url, "Something went wrong on our side and that didn't finish. Please try again."
            )
        finally:
            _job.running = False

    def _tell(self, user: str | None, channel: str | None, reply_url: str | None, sentence: str) -> None:
        if user and self.notify:
            try:
                self.notify(user, sentence, channel, reply_url)
            except Exception:  # the report itself failing must not hide the first failure
                log.exception("could not tell the user about a failed background job")


# Set when this process begins to stop (gunicorn's worker_exit hook): the time after which
# work that is redone from the database is left for later. None while it runs.
_redo_until: float | None = None


def stopping(grace_seconds: float | None) -> None:
    """This process is about to exit: keyed jobs (refreshes, outbox sweeps) not started within
    `grace_seconds`, and outbox messages a sweep has not sent by then, are left to the next
    change or sweep (see ThreadBackground and bot/services/delivery.py). None: running again."""
    global _redo_until
    _redo_until = None if grace_seconds is None else time.monotonic() + grace_seconds


def past_grace() -> bool:
    until = _redo_until
    return until is not None and time.monotonic() > until


class ThreadBackground(_Reporting):
    """The production runner: three small pools, so one slow Slack call does not block others.

    Follow-ups (keyed jobs: bot/events.py's coalesced subscribers, the card, Home and pre-read
    refreshes and the outbox sweeps) run apart from actions (a vote, a decision: work a person
    was acked for and is waiting on; and the table's other subscribers, such as inviting an
    interviewer to the channel), and both apart from loop set-ups. A refresh waits for Slack's
    per-method pace on its thread, so in a burst every follow-up thread can be asleep with
    dozens queued behind (59-108 in the soak); on one pool, an action waited behind them all.
    A set-up waits for conversations.create's pace the same way: fifty `/hire new` in an hour's
    hiring event held both action threads for the two and a half minutes Tier 2 needs.

    `depth` is how many jobs wait for a thread (not yet started), in both pools; `on_depth`
    hears each change of it (bot/metrics.py's gauge, so that a backlog after the acks shows on
    /metrics).

    A worker that is stopping (a deploy) still runs what it has queued, as Python drains the
    pools at exit, but keyed jobs not started within the grace `stopping()` gives are dropped:
    each redoes its work from the database, so the next change, Home opening or scheduler
    sweep does it instead. Under load, 60-100 queued refreshes paced by Slack held a stopping
    worker past gunicorn's patience, to be killed with actions and messages still queued."""

    def __init__(
        self,
        notify: Notify | None = None,
        follow_up_workers: int = 2,
        action_workers: int = 2,
        setup_workers: int = 1,
        on_depth: Callable[[int], None] | None = None,
    ):
        super().__init__(notify)
        self._follow_ups = ThreadPoolExecutor(max_workers=follow_up_workers, thread_name_prefix="hirebot-follow-up")
        self._lanes = {
            Lane.ACTION: ThreadPoolExecutor(max_workers=action_workers, thread_name_prefix="hirebot-action"),
            Lane.SETUP: ThreadPoolExecutor(max_workers=setup_workers, thread_name_prefix="hirebot-setup"),
        }
        self._futures: set[Future[None]] = set()
        self._waiting: set[Key] = set()
        self._lock = threading.Lock()
        self._depth = 0
        self._on_depth = on_depth
        self.dropped = 0  # keyed jobs dropped while the process stops
        self._later = _Later()

    @property
    def depth(self) -> int:
        return self._depth

    def _queued(self, change: int) -> None:
        with self._lock:
            self._depth += change
            depth = self._depth
        if self._on_depth is not None:
            self._on_depth(depth)

    def submit(
        self,
        job: Callable[[], Any],
        *,
        user: str | None,
        channel: str | None = None,
        key: Key | None = None,
        reply_url: str | None = None,
        lane: Lane = Lane.ACTION,
    ) -> None:
        if key is not None:
            with self._lock:
                if key in self._waiting:
                    return
                self._waiting.add(key)
        self._queued(+1)
        try:
            pool = self._lanes[lane] if key is None else self._follow_ups
            future = pool.submit(self._start, key, job, user, channel, reply_url)
        except RuntimeError:
            # The process is exiting (gunicorn stopping a worker): a follow-up of a change that
            # committed asks for more. What must reach a person is an outbox row the worker
            # sends; what is lost here is a refresh, which the next change or Home opening redoes.
            self._forget(key)
            log.info("shutting down: %s was not started", "an action" if key is None else "a follow-up")
            return
        self._futures.add(future)
        future.add_done_callback(self._futures.discard)

    def after(self, seconds: float, submit: Callable[[], None]) -> None:
        self._later.call(seconds, submit)

    def _start(
        self, key: Key | None, job: Callable[[], Any], user: str | None, channel: str | None, reply_url: str | None
    ) -> None:
        self._forget(key)  # from here on, a new change needs a new run
        if key is not None and past_grace():
            with self._lock:
                self.dropped += 1
                first = self.dropped == 1
            if first:
                log.info("stopping: dropping the refreshes and outbox sweeps not started in time (redone later)")
            return
        self._run(job, user, channel, reply_url)

    def _forget(self, key: Key | None) -> None:
        if key is not None:
            with self._lock:
                self._waiting.discard(key)
        self._queued(-1)

    def wait(self, timeout: float = 30.0) -> None:
        """Block until everything submitted so far has finished (tests and benchmarks), and
        what those jobs submitted in turn (the follow-ups of the changes they committed)."""
        while self._futures:
            for future in list(self._futures):
                future.result(timeout=timeout)
                self._futures.discard(future)

    def shutdown(self) -> None:
        for pool in self._lanes.values():
            pool.shutdown(wait=True)
        self._follow_ups.shutdown(wait=True)


class _Later:
    """Calls made a few seconds from now, all on one thread: a spaced Coalescer's next run.

    A thread per call (threading.Timer) was one thread per spaced Home, each living up to its
    spacing; with a Home per interviewer spaced, a burst of scorecards would have been as many
    threads. The thread is a daemon: what it submits is redone from the database, so nothing
    is lost when the process exits before it runs."""

    def __init__(self, clock: Callable[[], float] = time.monotonic):
        self._clock = clock
        self._due: list[tuple[float, int, Callable[[], None]]] = []
        self._order = itertools.count()  # equal times run in the order asked
        self._changed = threading.Condition()
        self._thread: threading.Thread | None = None

    def call(self, seconds: float, submit: Callable[[], None]) -> None:
        with self._changed:
            heapq.heappush(self._due, (self._clock() + seconds, next(self._order), submit))
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="hirebot-later", daemon=True)
                self._thread.start()
            self._changed.notify()

    def _run(self) -> None:
        while True:
            with self._changed:
                while not self._due or self._due[0][0] > self._clock():
                    self._changed.wait(None if not self._due else self._due[0][0] - self._clock())
                _, _, submit = heapq.heappop(self._due)
            try:
                submit()
            except Exception as exc:  # the thread must outlive one failed call; the type only (candidate data)
                log.error("a delayed follow-up could not be queued: %s", type(exc).__name__)


class QueuedBackground(_Reporting):
    """Runs nothing until drained: lets a test check the ack first, then what follows it."""

    def __init__(self, notify: Notify | None = None):
        super().__init__(notify)
        self.queue: list[tuple[Callable[[], Any], str | None, str | None, str | None, Key | None]] = []
        self.lanes: list[Lane] = []  # each submission's lane, for tests of where work waits
        self.waits: list[float] = []  # each `after`'s seconds

    def submit(
        self,
        job: Callable[[], Any],
        *,
        user: str | None,
        channel: str | None = None,
        key: Key | None = None,
        reply_url: str | None = None,
        lane: Lane = Lane.ACTION,
    ) -> None:
        self.lanes.append(lane)
        if key is not None and any(queued_key == key for *_, queued_key in self.queue):
            return
        self.queue.append((job, user, channel, reply_url, key))

    def after(self, seconds: float, submit: Callable[[], None]) -> None:
        """At once: a test's time passes only as it says (tests/unit/test_background.py moves it by hand)."""
        self.waits.append(seconds)
        submit()

    def drain(self) -> int:
        ran = 0
        while self.queue:
            job, user, channel, reply_url, _ = self.queue.pop(0)
            self._run(job, user, channel, reply_url)
            ran += 1
        return ran


class Coalescer:
    """One run of `job` for a burst of requests, so that twenty scorecards in a minute do not publish
    twenty App Homes to every recruiter.

    A request while a run is waiting joins it; a request while it runs asks for one more run after it
    (whose read sees everything committed so far). So a burst costs at most one run in progress and
    one waiting, however many events it holds.

    `spacing` seconds at least between the starts of two runs: the first request after a quiet spell
    runs at once, and a steady stream of them runs once per `spacing`. Without it, a run that asks
    for another while it runs follows itself back to back as long as the stream lasts."""

    def __init__(
        self,
        background: Background,
        job: Callable[[], Any],
        key: Key,
        spacing: float = 0.0,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.background, self.job, self.key = background, job, key
        self.spacing, self._clock = spacing, clock
        self._lock = threading.Lock()
        self._wanted = False  # a request not yet covered by a run that started after it
        self._queued = False  # a run is waiting (perhaps for its spacing) or running
        self._started: float | None = None  # when the last run started

    def request(self) -> None:
        with self._lock:
            self._wanted = True
            if self._queued:
                return
            self._queued = True
            wait = self._wait()
        self._submit(wait)

    def _wait(self) -> float:
        if self._started is None:
            return 0.0
        return max(0.0, self._started + self.spacing - self._clock())

    def _submit(self, wait: float) -> None:
        if wait > 0:
            self.background.after(wait, self._submit_now)
        else:
            self._submit_now()

    def _submit_now(self) -> None:
        self.background.submit(self._run, user=None, key=self.key)

    def _run(self) -> None:
        with self._lock:
            self._wanted = False
            self._started = self._clock()
        try:
            self.job()
        finally:
            # Asked for while this run ran (or failed): that request still deserves a run.
            with self._lock:
                again = self._wanted
                self._queued = again
                wait = self._wait()
            if again:
                self._submit(wait)
