"""Sending what a sweep decided, and recording each outcome: the dispatcher's second half.

Before each send, a short transaction checks that the rows and the person are still this
sweep's (the fence, bot/services/outbox.py), renewing the batch's lease when due. After it,
another records the outcome: sent, to retry later (Slack down or rate limited), or failed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.errors import SlackError, SlackRateLimited, SlackTransientError
from bot.events import Publisher, ReminderEscalated, ReminderFailed
from bot.services.outbox import RENEW_EVERY, Fence, fence, let_go, mark_sent, release_person, renew
from bot.services.outgoing import Outgoing, SweepStats
from bot.services.ports import Gateway
from db.models import Reminder, ReminderKind, ReminderStatus
from db.session import Database

log = logging.getLogger("bot.services.dispatch")

MAX_ATTEMPTS = 5


class OutboxSender:
    def __init__(self, db: Database, slack: Gateway, clock: Callable[[], datetime], events: Publisher):
        self.db = db
        self.slack = slack
        self.clock = clock
        self.events = events

    def send(self, token: str, outgoing: list[Outgoing], stats: SweepStats, renewed: datetime) -> None:
        rate_limited: SlackRateLimited | None = None
        escalated: set[int] = set()
        for item in outgoing:
            now = self.clock()
            if rate_limited is not None:
                self._unsent(token, item, Fence(True), stats, now + timedelta(seconds=rate_limited.retry_after))
                continue
            renewed, fenced = self._fence(token, item, now, renewed, stats)
            if not fenced.ours:
                continue
            try:
                if item.action is not None:
                    item.action()
                elif item.message is not None:
                    self.slack.post_message(item.user, item.message.text, item.message.blocks or None)
            except SlackRateLimited as exc:
                rate_limited = exc
                self._unsent(token, item, fenced, stats, now + timedelta(seconds=exc.retry_after), count=True)
                continue
            except SlackError as exc:
                self._not_delivered(token, item, fenced, stats, exc)
                continue
            self._delivered(token, item, stats)
            if item.kind is ReminderKind.ESCALATION:
                escalated.add(item.candidate_id)
        # The sweep is off the request path already: what follows it runs in it, before the next batch.
        for candidate_id in escalated:
            self.events.deliver(ReminderEscalated(candidate_id))

    def _fence(
        self, token: str, item: Outgoing, now: datetime, renewed: datetime, stats: SweepStats
    ) -> tuple[datetime, Fence]:
        """Renew the batch's lease when due, then check these rows and this person are still ours."""
        with self.db.transaction() as session:
            if now - renewed >= RENEW_EVERY:
                renew(session, token, now)
                renewed = now
            fenced = fence(session, token, item.row_ids, item.person, now)
            if not fenced.ours:
                self._refuse(session, token, item, now, stats)
        return renewed, fenced

    def _not_delivered(self, token: str, item: Outgoing, fenced: Fence, stats: SweepStats, exc: SlackError) -> None:
        if isinstance(exc, SlackTransientError):
            self._unsent(token, item, fenced, stats, None, count=True, error=exc.code)
            return
        log.warning("reminder to %s failed for good: %s", item.user, exc.code)
        self._unsent(token, item, fenced, stats, None, error=exc.code, final=True)
        self.events.deliver(ReminderFailed(item.candidate_id, item.user, exc.code))

    def _delivered(self, token: str, item: Outgoing, stats: SweepStats) -> None:
        with self.db.transaction() as session:
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
        with self.db.transaction() as session:
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
