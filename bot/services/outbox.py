"""Claiming due reminder rows, atomically, so that two schedulers never take the same one.

`FOR UPDATE SKIP LOCKED` on PostgreSQL; everywhere, a conditional UPDATE that checks the
status again under the row lock. The claimed rows carry the sweep's token and a lease.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Select, and_, case, func, or_, select, update

from db.models import Reminder, ReminderStatus
from db.session import Database

CLAIM_LEASE = timedelta(minutes=10)
CLAIM_BATCH = 200


def due_query(now: datetime, limit: int = CLAIM_BATCH) -> Select[tuple[int]]:
    """The sweep's due-row query (benchmarked): pending and due, or claimed by a sweep that died."""
    return (
        select(Reminder.id)
        .where(
            or_(
                and_(Reminder.status == ReminderStatus.PENDING, Reminder.due_at <= now),
                and_(Reminder.status == ReminderStatus.SENDING, Reminder.claimed_until < now),
            )
        )
        .order_by(Reminder.due_at)
        .limit(limit)
    )


def claim(db: Database, now: datetime, limit: int = CLAIM_BATCH) -> str | None:
    """Mark up to `limit` due rows as this sweep's; returns its token, or None if none were due."""
    token = uuid.uuid4().hex
    with db.transaction() as session:
        due = due_query(now, limit)
        if db.is_postgresql:
            due = due.with_for_update(skip_locked=True)
        claimed = session.execute(
            update(Reminder)
            .where(
                Reminder.id.in_(due.scalar_subquery()),
                # Re-checked under the row lock: a row another sweep took in between is skipped.
                or_(Reminder.status == ReminderStatus.PENDING, Reminder.claimed_until < now),
            )
            .values(status=ReminderStatus.SENDING, claim_token=token, claimed_until=now + CLAIM_LEASE)
            .execution_options(synchronize_session=False)
        ).rowcount
    return token if claimed else None


@dataclass(frozen=True)
class Backlog:
    """The outbox at a glance, for monitoring: rows per status, and how late the oldest due row is."""

    by_status: dict[ReminderStatus, int]
    oldest_due_seconds: float


def backlog(db: Database, now: datetime) -> Backlog:
    """One grouped query over the (status, due_at) index: cheap enough for every scrape.

    A due row is a pending one whose time has come, or one claimed by a sweep that died (the
    next sweep takes both); the earliest such row's lateness is what an alert watches.
    """
    due = or_(Reminder.status == ReminderStatus.PENDING, Reminder.claimed_until < now)
    with db.transaction() as session:
        rows = session.execute(
            select(Reminder.status, func.count(), func.min(case((due, Reminder.due_at)))).group_by(Reminder.status)
        ).all()
    counts = {status: 0 for status in ReminderStatus}
    oldest = 0.0
    for status, count, earliest in rows:
        counts[status] = count
        if earliest is not None:
            oldest = max(oldest, (now - earliest).total_seconds())
    return Backlog(counts, oldest)
