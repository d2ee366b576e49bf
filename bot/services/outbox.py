"""Claiming due reminder rows, atomically, so that two schedulers never take the same one;
and the fences that keep a slow sweep from sending what it no longer owns.

`FOR UPDATE SKIP LOCKED` on PostgreSQL; everywhere, a conditional UPDATE that checks the
status again under the row lock. The claimed rows carry the sweep's token and a lease that
the sweep renews before each send (a heartbeat), so a live sweep keeps its rows however long
it runs, and the rows of a killed one are free again one lease later.

People are held the same way (db.models.DmRecipient): a conditional UPDATE on one row per
person, so that one person gets at most one reminder DM per DM_SPACING, across the rows of
one sweep and across workers. On SQLite every such write transaction is serialised by the
database lock; on PostgreSQL the conditional UPDATE re-checks its WHERE after waiting on a
concurrent writer, and the INSERT of a first hold waits on the unique key.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, Select, and_, case, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from db.models import DmRecipient, Reminder, ReminderKind, ReminderStatus
from db.session import Database

# Longer than the slowest single send: 4 attempts of a 10 s HTTP timeout and 3 inline 429 waits
# of at most 30 s (bot/slack_gateway/) is 130 s. The lease is renewed before every send, so
# this, plus one sweep interval, is the longest a killed worker's rows wait.
CLAIM_LEASE = timedelta(seconds=150)
CLAIM_BATCH = 200
# Renewing every row of a sweep before each send would rewrite the batch once per message.
RENEW_EVERY = CLAIM_LEASE / 3
DM_SPACING = timedelta(minutes=15)
# The advisory lock PostgreSQL claims take turns on (any fixed 64-bit number; this is b'hbclaims').
CLAIM_LOCK = 0x6862636C61696D73


def due_query(
    now: datetime, limit: int | None = CLAIM_BATCH, kinds: Iterable[ReminderKind] | None = None
) -> Select[int]:
    """The sweep's due-row query (benchmarked): pending and due, or claimed by a sweep that died."""
    query = select(Reminder.id).where(
        or_(
            and_(Reminder.status == ReminderStatus.PENDING, Reminder.due_at <= now),
            and_(Reminder.status == ReminderStatus.SENDING, Reminder.claimed_until < now),
        )
    )
    if kinds is not None:
        query = query.where(Reminder.kind.in_(list(kinds)))
    return query.order_by(Reminder.due_at).limit(limit)


def claim(
    db: Database, now: datetime, limit: int = CLAIM_BATCH, kinds: Iterable[ReminderKind] | None = None
) -> str | None:
    """Mark up to `limit` due rows as this sweep's, and every other due row of the same people;
    returns its token, or None if none were due.

    Whole people, so that the sweep writes each person one DM with all that is due for them:
    a person's rows split between two claims became one DM now and another 15 minutes later
    (the spacing), which in a 09:30 burst is most people. On PostgreSQL the claims of all
    workers take turns (a transaction-scoped advisory lock, held for the two UPDATEs only), so
    two claims never split one person between them, and never wait on each other's rows."""
    token = uuid.uuid4().hex
    with db.transaction() as session:
        if db.is_postgresql:
            session.execute(select(func.pg_advisory_xact_lock(CLAIM_LOCK)))
        due = due_query(now, limit, kinds)
        if db.is_postgresql:
            due = due.with_for_update(skip_locked=True)
        claimed = _take(session, Reminder.id.in_(due.scalar_subquery()), token, now)
        if claimed:
            people = select(Reminder.target_user_id).where(Reminder.claim_token == token).distinct()
            same_people = due_query(now, None, kinds).where(Reminder.target_user_id.in_(people.scalar_subquery()))
            _take(session, Reminder.id.in_(same_people.scalar_subquery()), token, now)
    return token if claimed else None


def _take(session: Session, which: Any, token: str, now: datetime) -> int:
    result = session.execute(
        update(Reminder)
        .where(
            which,
            # Re-checked under the row lock: a row another sweep took in between is skipped.
            or_(Reminder.status == ReminderStatus.PENDING, Reminder.claimed_until < now),
        )
        .values(status=ReminderStatus.SENDING, claim_token=token, claimed_until=now + CLAIM_LEASE)
        .execution_options(synchronize_session=False)
    )
    # Session.execute is typed as Result; an UPDATE's is a CursorResult, which has rowcount.
    return cast("CursorResult[Any]", result).rowcount


def hold(session: Session, user: str, token: str, now: datetime) -> datetime | None:
    """Take `user` for this sweep's one DM. None when taken; else when they can next be DMed."""
    spaced = or_(DmRecipient.last_dm_at.is_(None), DmRecipient.last_dm_at <= now - DM_SPACING)
    free = or_(DmRecipient.holder.is_(None), DmRecipient.held_until < now)
    values = dict(holder=token, held_until=now + CLAIM_LEASE)
    result = session.execute(
        update(DmRecipient)
        .where(DmRecipient.user_id == user, spaced, free)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    taken = cast("CursorResult[Any]", result).rowcount  # an UPDATE's result is a CursorResult
    if taken:
        return None
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    # RETURNING, not rowcount: psycopg reports no reliable rowcount for a skipped conflicting insert.
    inserted = session.execute(
        dialect.insert(DmRecipient)
        .values(user_id=user, **values)
        .on_conflict_do_nothing()
        .returning(DmRecipient.user_id)
    ).first()
    if inserted is not None:
        return None
    row = session.execute(
        select(DmRecipient.last_dm_at, DmRecipient.held_until).where(DmRecipient.user_id == user)
    ).one()
    free_at = [now + DM_SPACING]  # held by a live sweep, which is about to DM them
    if row.held_until is None or row.held_until < now:
        free_at = [row.last_dm_at + DM_SPACING] if row.last_dm_at else [now]
    return max(free_at)


@dataclass(frozen=True)
class Fence:
    """The outcome of the check right before a send."""

    ours: bool
    previous_dm: datetime | None = None  # to restore if the send then fails


def renew(session: Session, token: str, now: datetime) -> None:
    """The heartbeat: every row this sweep still has stays its own for another lease."""
    session.execute(
        update(Reminder)
        .where(Reminder.claim_token == token, Reminder.status == ReminderStatus.SENDING)
        .values(claimed_until=now + CLAIM_LEASE)
        .execution_options(synchronize_session=False)
    )


def fence(session: Session, token: str, row_ids: list[int], user: str | None, now: datetime) -> Fence:
    """Are these rows (and this person) still ours? Extends their lease over the send; records the DM as going out.

    Rows this sweep already marked sent count as ours: a pre-debrief nudge is one row, sent
    as one DM to each interviewer still missing a scorecard.
    """
    session.execute(
        update(Reminder)
        .where(Reminder.id.in_(row_ids), Reminder.claim_token == token, Reminder.status == ReminderStatus.SENDING)
        .values(claimed_until=now + CLAIM_LEASE)
        .execution_options(synchronize_session=False)
    )
    ours = session.scalar(
        select(func.count())
        .select_from(Reminder)
        .where(
            Reminder.id.in_(row_ids),
            Reminder.claim_token == token,
            Reminder.status.in_((ReminderStatus.SENDING, ReminderStatus.SENT)),
        )
    )
    if ours != len(set(row_ids)):
        return Fence(False)
    if user is None:
        return Fence(True)
    previous = session.execute(
        select(DmRecipient.last_dm_at).where(DmRecipient.user_id == user, DmRecipient.holder == token)
    ).first()
    if previous is None:
        return Fence(False)
    # Recorded before the send: if this process dies mid-call, the DM may be out, so the
    # person is left alone for the spacing rather than DMed again at once.
    _set_dm(session, user, token, last_dm_at=now, held_until=now + CLAIM_LEASE)
    return Fence(True, previous.last_dm_at)


def mark_sent(session: Session, token: str, row_ids: list[int], user: str | None, now: datetime) -> int:
    """The send went out. Returns how many rows had been taken from this sweep meanwhile.

    Such rows are still recorded as sent (the message is out; leaving them would send it
    again), unless another sweep got there first.
    """
    rows = session.scalars(select(Reminder).where(Reminder.id.in_(row_ids))).all()
    lost = 0
    for row in rows:
        if row.status is ReminderStatus.SENT:
            continue
        lost += row.claim_token != token
        row.status, row.sent_at, row.claim_token, row.claimed_until = ReminderStatus.SENT, now, token, None
        row.attempts += 1
    if user is not None:
        _set_dm(session, user, token, last_dm_at=now, holder=None, held_until=None)
    return lost


def release_person(session: Session, token: str, user: str, previous_dm: datetime | None) -> None:
    """The DM did not go out: give the person back as they were."""
    _set_dm(session, user, token, last_dm_at=previous_dm, holder=None, held_until=None)


def let_go(session: Session, token: str, user: str) -> None:
    """Nothing was sent to the person under this hold (the fence refused): drop the hold only."""
    _set_dm(session, user, token, holder=None, held_until=None)


def _set_dm(session: Session, user: str, token: str, **values: object) -> None:
    session.execute(
        update(DmRecipient)
        .where(DmRecipient.user_id == user, DmRecipient.holder == token)
        .values(**values)
        .execution_options(synchronize_session=False)
    )


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


def next_due(db: Database) -> datetime | None:
    """When the earliest pending row falls due (perhaps already past); None when nothing is pending."""
    with db.transaction() as session:
        return session.scalar(select(func.min(Reminder.due_at)).where(Reminder.status == ReminderStatus.PENDING))
