"""What one sweep decided to send, and its tally: the dispatcher's working data."""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session

from bot.services.ports import Message
from bot.services.workhours import WorkingHours
from db.models import Candidate, Interview, Reminder, ReminderKind, ReminderStatus

log = logging.getLogger("bot.services.dispatch")

# Which of one person's due DMs goes first when only one may go now; the rest wait 15 minutes.
RANK = {ReminderKind.PREP_KIT: 0, ReminderKind.PRE_DEBRIEF_NUDGE: 0, ReminderKind.CHASER: 1, ReminderKind.ESCALATION: 2}

# Channel posts, calendar invites and what a change tells someone at once (no nudge, and never
# to wait behind one).
UNSPACED = (
    ReminderKind.RECEIPT,
    ReminderKind.DEBRIEF_SUMMARY,
    ReminderKind.VOTE_REVEAL,
    ReminderKind.INVITE,
    ReminderKind.INVITE_CANCEL,
    ReminderKind.DECISION,
    ReminderKind.TRAINEE_NOTICE,
    ReminderKind.PRACTICE_COMPARISON,
    ReminderKind.GRADUATION_OFFER,
)


@dataclass
class SweepStats:
    claimed: int = 0
    sent: int = 0
    expired: int = 0
    deferred: int = 0
    retried: int = 0
    failed: int = 0
    refused: int = 0  # taken by another sweep after this one's lease lapsed

    def add(self, other: SweepStats) -> None:
        """Count in what one of the sweep's sending threads tallied."""
        for name in ("claimed", "sent", "expired", "deferred", "retried", "failed", "refused"):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def finish(self, row: Reminder, status: ReminderStatus, why: str | None = None) -> None:
        row.status, row.claim_token, row.claimed_until = status, None, None
        row.last_error = why
        if status is ReminderStatus.EXPIRED:
            self.expired += 1
        elif status is ReminderStatus.FAILED:
            self.failed += 1
            log.warning("reminder %d failed: %s", row.id, why)

    def defer(self, row: Reminder, until: datetime) -> None:
        row.status, row.due_at, row.claim_token, row.claimed_until = ReminderStatus.PENDING, until, None, None
        self.deferred += 1


@dataclass
class Outgoing:
    """One message to one person or channel (or, for the debrief summary, one posting), for one or more rows."""

    user: str
    message: Message | None
    row_ids: list[int]
    candidate_id: int
    kind: ReminderKind
    after_send: list[Callable[[Session], None]] = field(default_factory=list)
    action: Callable[[], object] | None = None  # instead of a message
    # When this DM must wait for its person; by default its rows are deferred.
    postpone: Callable[[Session, datetime], None] | None = None
    covers: frozenset[int] = frozenset()  # the interviews whose missing scorecards it is about

    @property
    def person(self) -> str | None:
        """Whom this DMs, for the spacing; None for channel posts, and for calendar invites, which
        are no nudge and must not wait behind one (bot/services/invite_sending.py)."""
        return None if self.kind in UNSPACED else self.user


@dataclass
class Loaded:
    interviews: dict[int, Interview]
    candidates: dict[int, Candidate]
    scorecard_rows: dict[str, list[Reminder]] = field(default_factory=lambda: defaultdict(list))
    hours: dict[str, WorkingHours] = field(default_factory=dict)  # each person's own, for the kinds held to their hours


def absorb(first: Outgoing, rest: list[Outgoing]) -> list[Outgoing]:
    """A chaser about scorecards the nudge going out already names says nothing new: it rides
    along (its rows are recorded as sent with the nudge) instead of following 15 minutes later."""
    if first.kind is not ReminderKind.PRE_DEBRIEF_NUDGE:
        return rest
    waiting = []
    for item in rest:
        if item.kind is ReminderKind.CHASER and item.covers <= first.covers:
            first.row_ids = first.row_ids + item.row_ids
            first.after_send = first.after_send + item.after_send
        else:
            waiting.append(item)
    return waiting


def personal_nudge(row: Reminder, user: str, interview_id: int, session: Session, due: datetime) -> None:
    session.add(
        Reminder(
            kind=ReminderKind.PRE_DEBRIEF_NUDGE,
            candidate_id=row.candidate_id,
            interview_id=interview_id,
            target_user_id=user,
            due_at=due,
        )
    )
