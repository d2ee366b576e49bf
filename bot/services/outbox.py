"""Claiming due reminder rows, atomically, so that two schedulers never take the same one.

`FOR UPDATE SKIP LOCKED` on PostgreSQL; everywhere, a conditional UPDATE that checks the
status again under the row lock. The claimed rows carry the sweep's token and a lease.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, Select, and_, or_, select, update

from db.models import Reminder, ReminderStatus
from db.session import Database

CLAIM_LEASE = timedelta(minutes=10)
CLAIM_BATCH = 200


def due_query(now: datetime, limit: int = CLAIM_BATCH) -> Select[int]:
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
        result = session.execute(
            update(Reminder)
            .where(
                Reminder.id.in_(due.scalar_subquery()),
                # Re-checked under the row lock: a row another sweep took in between is skipped.
                or_(Reminder.status == ReminderStatus.PENDING, Reminder.claimed_until < now),
            )
            .values(status=ReminderStatus.SENDING, claim_token=token, claimed_until=now + CLAIM_LEASE)
            .execution_options(synchronize_session=False)
        )
        # Session.execute is typed as Result; an UPDATE's is a CursorResult, which has rowcount.
        claimed = cast("CursorResult[Any]", result).rowcount
    return token if claimed else None
