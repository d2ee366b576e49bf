"""Sending what a sweep decided, and recording each outcome: the dispatcher's second half.

Before each send, a short transaction checks that the rows and the person are still this
sweep's (the fence, bot/services/outbox.py), renewing the batch's lease when due. After it,
another records the outcome: sent, to retry later (Slack down or rate limited), or failed.
"""

from __future__ import annotations

import logging
import threading
from collections import defaultdict
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager, contextmanager, nullcontext
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.background import past_grace
from bot.errors import SlackError, SlackRateLimited, SlackTransientError
from bot.events import Publisher, ReminderEscalated, ReminderFailed
from bot.services.outbox import RENEW_EVERY, Fence, fence, let_go, mark_sent, release_person, renew
from bot.services.outgoing import Outgoing, SweepStats
from bot.services.ports import Gateway
from db.models import Reminder, ReminderKind, ReminderStatus
from db.session import Database

log = logging.getLogger("bot.services.dispatch")

MAX_ATTEMPTS = 5
# Messages in flight at once, each to its own channel. One at a time, a Slack round trip of
# 200 ms held a 09:30 burst to about 4 DMs a second, under the workspace's 5 (benchmarks/burst.py);
# the gateway's limiter, shared by the threads, keeps them all inside Slack's limits.
SENDERS = 4


class _Sending:
    """What the threads sending one sweep share: the lease's last renewal, a 429 that stops the
    rest, and the loops whose escalation went out."""

    def __init__(self, renewed: datetime):
        self.lock = threading.Lock()
        self.renewed = renewed
        self.rate_limited: SlackRateLimited | None = None
        self.escalated: set[int] = set()
        self.handed_back = False  # the process began to stop and its grace ran out

    def renew_due(self, now: datetime) -> bool:
        """True for the one caller that should renew the batch's lease now."""
        with self.lock:
            if now - self.renewed < RENEW_EVERY:
                return False
            self.renewed = now
            return True


class OutboxSender:
    def __init__(self, db: Database, slack: Gateway, clock: Callable[[], datetime], events: Publisher):
        self.db = db
        self.slack = slack
        self.clock = clock
        self.events = events
        # SQLite has one writer at a time: this sweep's threads take turns at it rather than
        # contend for its file lock (which starved the other worker's sweep into "database is
        # locked"); only their Slack calls overlap. PostgreSQL locks rows, not the database.
        self._turn: AbstractContextManager[object] = nullcontext() if db.is_postgresql else threading.Lock()

    @contextmanager
    def _transaction(self) -> Iterator[Session]:
        with self._turn, self.db.transaction() as session:
            yield session

    def send(self, token: str, outgoing: list[Outgoing], stats: SweepStats, renewed: datetime) -> None:
        """Each channel's messages in order; up to SENDERS channels at a time when there are more."""
        state = _Sending(renewed)
        by_channel: dict[str, list[Outgoing]] = defaultdict(list)
        for item in outgoing:
            by_channel[item.user].append(item)
        queues = list(by_channel.values())
        if len(queues) <= SENDERS:
            for queue in queues:
                stats.add(self._send_queue(token, queue, state))
        else:
            with ThreadPoolExecutor(SENDERS, thread_name_prefix="hirebot-send") as pool:
                started = []
                for n, queue in enumerate(queues):
                    try:
                        started.append(pool.submit(self._send_queue, token, queue, state))
                    except RuntimeError:
                        # The process is exiting (gunicorn stopping a web worker) and Python
                        # starts no new threads: what no thread took goes back to the outbox, due
                        # now, for a sweep that can send it, instead of waiting out its lease.
                        left = [item for rest in queues[n:] for item in rest]
                        log.info("shutting down: %d messages handed back to the outbox", len(left))
                        self._hand_back(token, left, stats)
                        break
                for sending in started:
                    stats.add(sending.result())
        # The sweep is off the request path already: what follows it runs in it, before the next batch.
        for candidate_id in state.escalated:
            self.events.deliver(ReminderEscalated(candidate_id))

    def _hand_back(self, token: str, outgoing: list[Outgoing], stats: SweepStats) -> None:
        now = self.clock()
        for item in outgoing:
            self._unsent(token, item, Fence(True), stats, now)

    def _send_queue(self, token: str, queue: list[Outgoing], state: _Sending) -> SweepStats:
        stats = SweepStats()
        for item in queue:
            self._send_one(token, item, stats, state)
        return stats

    def _send_one(self, token: str, item: Outgoing, stats: SweepStats, state: _Sending) -> None:
        now = self.clock()
        if past_grace():
            # This web worker is stopping: the rest go back to the outbox, due now, for the
            # scheduler's next sweep, rather than keep the worker sending past gunicorn's patience.
            with state.lock:
                first, state.handed_back = not state.handed_back, True
            if first:
                log.info("stopping: handing the sweep's unsent messages back to the outbox")
            self._unsent(token, item, Fence(True), stats, now)
            return
        if state.rate_limited is not None:
            self._unsent(token, item, Fence(True), stats, now + timedelta(seconds=state.rate_limited.retry_after))
            return
        fenced = self._fence(token, item, now, state.renew_due(now), stats)
        if not fenced.ours:
            return
        try:
            if item.action is not None:
                item.action()
            elif item.message is not None:
                self.slack.post_message(item.user, item.message.text, item.message.blocks or None)
        except SlackRateLimited as exc:
            state.rate_limited = exc  # the messages after it wait, in every thread
            self._unsent(token, item, fenced, stats, now + timedelta(seconds=exc.retry_after), count=True)
            return
        except SlackError as exc:
            self._not_delivered(token, item, fenced, stats, exc)
            return
        self._delivered(token, item, stats)
        if item.kind is ReminderKind.ESCALATION:
            with state.lock:
                state.escalated.add(item.candidate_id)

    def _fence(self, token: str, item: Outgoing, now: datetime, renew_all: bool, stats: SweepStats) -> Fence:
        """Renew the batch's lease when due, then check these rows and this person are still ours."""
        with self._transaction() as session:
            if renew_all:
                renew(session, token, now)
            fenced = fence(session, token, item.row_ids, item.person, now)
            if not fenced.ours:
                self._refuse(session, token, item, now, stats)
        return fenced

    def _not_delivered(self, token: str, item: Outgoing, fenced: Fence, stats: SweepStats, exc: SlackError) -> None:
        if isinstance(exc, SlackTransientError):
            self._unsent(token, item, fenced, stats, None, count=True, error=exc.code)
            return
        log.warning("reminder to %s failed for good: %s", item.user, exc.code)
        self._unsent(token, item, fenced, stats, None, error=exc.code, final=True)
        self.events.deliver(ReminderFailed(item.candidate_id, item.user, exc.code))

    def _delivered(self, token: str, item: Outgoing, stats: SweepStats) -> None:
        with self._transaction() as session:
            if mark_sent(session, token, item.row_ids, item.person, self.clock()):
                log.warning("a reminder send outlived its lease; recorded as sent so it is not repeated")
            for hook in item.after_send:
                hook(session)
        stats.sent += 1

    def _refuse(self, session: Session, token: str, item: Outgoing, now: datetime, stats: SweepStats) -> None:
        """Another sweep took these rows or this person after our lease lapsed: send nothing, hand back the rest."""
        log.warning("reminder send refused: rows %s are no longer this sweep's", item.row_ids)
        stats.refused += 1
        session.execute(
            update(Reminder)
            .where(
                Reminder.id.in_(item.row_ids), Reminder.claim_token == token, Reminder.status == ReminderStatus.SENDING
            )
            .values(status=ReminderStatus.PENDING, due_at=now, claim_token=None, claimed_until=None)
        )
        if item.person is not None:
            let_go(session, token, item.person)

    def _unsent(
        self,
        token: str,
        item: Outgoing,
        fenced: Fence,
        stats: SweepStats,
        at: datetime | None,
        *,
        count: bool = False,
        error: str = "ratelimited",
        final: bool = False,
    ) -> None:
        """The message did not go out: give the person back, and retry the rows later or fail them."""
        now = self.clock()
        with self._transaction() as session:
            if item.person is not None:
                release_person(session, token, item.person, fenced.previous_dm)
            rows = session.scalars(
                select(Reminder).where(
                    Reminder.id.in_(item.row_ids),
                    Reminder.claim_token == token,
                    Reminder.status == ReminderStatus.SENDING,
                )
            )
            for row in rows:
                row.attempts += count
                row.claim_token, row.claimed_until, row.last_error = None, None, error
                if final or (row.attempts >= MAX_ATTEMPTS and at is None):
                    row.status = ReminderStatus.FAILED
                    stats.failed += 1
                    if not final:
                        log.error("reminder %d failed after %d attempts: %s", row.id, row.attempts, error)
                    continue
                backoff = timedelta(seconds=min(30 * 2**row.attempts, 3600))
                row.status, row.due_at = ReminderStatus.PENDING, at or now + backoff
                stats.retried += 1
