"""Read models: what the status views and the loop card show, computed from the database.

They say whether a scorecard is in, never what it says: blind feedback holds here too.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from functools import cache
from typing import Any, Protocol

from sqlalchemy import Connection, Select, and_, bindparam, or_, select
from sqlalchemy.orm import Session, selectinload

from bot.errors import NotFound
from bot.services.ports import InterviewLine, LoopCard, PendingScorecard, PersonalStatus, UnfinishedLoop
from bot.services.reminders import Timed, interview_end
from db.models import (
    Candidate,
    Debrief,
    Interview,
    InterviewStatus,
    LoopStatus,
    Reminder,
    ReminderKind,
    ReminderStatus,
    Scorecard,
)
from db.session import Reader
from rubrics.loader import RubricRegistry
from rubrics.models import RubricPack

Rows = Sequence[Any]

# A scorecard is due when the interview ends, and overdue a day later.
OVERDUE_AFTER = timedelta(hours=24)


class InterviewFields(Timed, Protocol):
    """What interview_line reads: an Interview, or a joined row (_InterviewRow) standing in for one."""

    @property
    def id(self) -> int: ...
    @property
    def stage_key(self) -> str: ...
    @property
    def interviewer_id(self) -> str: ...
    @property
    def timezone(self) -> str: ...
    @property
    def status(self) -> InterviewStatus: ...


def interview_line(
    interview: InterviewFields, pack: RubricPack, now: datetime, submitted: bool, escalated: bool = False
) -> InterviewLine:
    end = interview_end(interview)
    return InterviewLine(
        id=interview.id,
        stage_key=interview.stage_key,
        stage_name=pack.stage_name(interview.stage_key),
        interviewer_id=interview.interviewer_id,
        starts_at=interview.starts_at,
        ends_at=end,
        timezone=interview.timezone,
        status=interview.status,
        submitted=submitted,
        overdue=(not submitted and interview.status is InterviewStatus.SCHEDULED and now >= end + OVERDUE_AFTER),
        escalated=escalated and not submitted,
    )


def read_card(connection: Connection, rubrics: RubricRegistry, now: datetime, zone: str, candidate_id: int) -> LoopCard:
    """The loop card's contents, read inside a transaction (the card posted in the channel);
    /hire status reads the same rows through the card cache (LoopChannel.card)."""
    return card_from_rows(card_rows(connection, candidate_id), rubrics, now, zone)


def card_rows(reader: Reader | Connection, candidate_id: int | None = None, channel_id: str | None = None) -> Rows:
    """The card's rows in one SELECT: the loop, its debrief, each interview with whether its
    scorecard is in (an id, never the content) and whether it was escalated; one row for a loop
    with no interviews, none for no loop.

    This is /hire status's whole database cost when it reads, so it skips the ORM's object
    loading and runs a statement built once (0.9 ms of CPU became 0.5 ms), on a Database.read()
    or inside a transaction's connection."""
    by_id, by_channel = _card_queries()
    query, key = (by_id, candidate_id) if channel_id is None else (by_channel, channel_id)
    return tuple(reader.execute(query, {"key": key}).all())


def card_from_rows(rows: Rows, rubrics: RubricRegistry, now: datetime, zone: str) -> LoopCard:
    """The card those rows show at `now` (what is overdue, how long the loop has been open)."""
    if not rows or rows[0].status is LoopStatus.PURGED:
        raise NotFound("That hiring loop no longer exists.")
    loop = rows[0]
    pack = rubrics.get(loop.pack)
    stage_order = {s.key: i for i, s in enumerate(pack.stages)}
    planned = sorted(
        (r for r in rows if r.interview_id is not None),
        key=lambda r: (stage_order.get(r.stage_key, 99), r.starts_at),
    )
    try:
        profile = pack.profile(loop.profile).name
    except KeyError:
        profile = loop.profile
    return LoopCard(
        candidate_id=loop.id,
        name=loop.name,
        role=pack.role,
        profile=profile,
        channel_id=loop.channel_id,
        recruiter_id=loop.recruiter_id,
        hiring_manager_id=loop.hiring_manager_id,
        resume_url=loop.resume_url,
        stages=[(s.key, s.name) for s in pack.stages],
        interviews=[
            interview_line(_InterviewRow(r), pack, now, r.scorecard_id is not None, bool(r.escalated)) for r in planned
        ],
        debrief_at=loop.debrief_at,
        problems=list(loop.problems),
        status=loop.status,
        decision=loop.decision,
        days_open=max(0, (now - loop.created_at).days),
        target_weeks=(pack.loop_target.min_weeks, pack.loop_target.max_weeks),
        zone=zone,
        imported=(loop.import_position, loop.import_total) if loop.import_position and loop.import_total else None,
    )


def clock_changes_card_at(rows: Rows, now: datetime) -> datetime:
    """The first moment after `now` at which card_from_rows(rows) differs by the clock alone:
    the loop's next day open, or a missing scorecard turning overdue. Until then the card built
    at `now` is the card (LoopChannel.card keeps it)."""
    loop = rows[0]
    days_open = max(0, (now - loop.created_at).days)
    moments = [loop.created_at + timedelta(days=days_open + 1)]
    for r in rows:
        if r.interview_id is None or r.scorecard_id is not None or r.interview_status is not InterviewStatus.SCHEDULED:
            continue
        overdue_at = interview_end(r) + OVERDUE_AFTER
        if overdue_at > now:
            moments.append(overdue_at)
    return min(moments)


@cache
def _card_queries() -> tuple[Select[*tuple[Any, ...]], Select[*tuple[Any, ...]]]:
    """One row per interview (or one for a loop with none), with the loop and its debrief:
    the loop by its id, and by its channel.

    Built once, with the key a bound parameter: building the 24 columns, joins and subquery,
    and then a copy of it for each `.where`, was a measurable part of each `/hire status`'s CPU."""
    escalated = (
        select(Reminder.id)
        .where(
            Reminder.interview_id == Interview.id,
            Reminder.kind == ReminderKind.ESCALATION,
            Reminder.status == ReminderStatus.SENT,
        )
        .exists()
    )
    card = (
        select(
            Candidate.id,
            Candidate.name,
            Candidate.pack,
            Candidate.profile,
            Candidate.channel_id,
            Candidate.recruiter_id,
            Candidate.hiring_manager_id,
            Candidate.resume_url,
            Candidate.problems,
            Candidate.status,
            Candidate.decision,
            Candidate.created_at,
            Candidate.import_position,
            Candidate.import_total,
            Debrief.scheduled_at.label("debrief_at"),
            Interview.id.label("interview_id"),
            Interview.stage_key,
            Interview.interviewer_id,
            Interview.starts_at,
            Interview.duration_minutes,
            Interview.timezone,
            Interview.status.label("interview_status"),
            Scorecard.id.label("scorecard_id"),
            escalated.label("escalated"),
        )
        .select_from(Candidate)
        .outerjoin(Debrief, Debrief.candidate_id == Candidate.id)
        .outerjoin(Interview, Interview.candidate_id == Candidate.id)
        .outerjoin(Scorecard, Scorecard.interview_id == Interview.id)
    )
    # By channel, the loop's id is looked up first and the rest joined to it, as by id. Joined
    # straight to `channel_id = $1`, the prepared statement never reached a generic plan
    # (PostgreSQL judged the generic one dearer than its custom ones) and was planned afresh on
    # every `/hire status`: 0.21 ms of the database's CPU each time where the lookup by id took
    # 0.06. tests/unit/test_card_query_plan.py checks that both settle on one plan.
    in_channel = select(Candidate.id).where(Candidate.channel_id == bindparam("key")).scalar_subquery()
    return card.where(Candidate.id == bindparam("key")), card.where(Candidate.id == in_channel)


class _InterviewRow:
    """A joined row, read as the interview it describes (what interview_line reads)."""

    def __init__(self, row) -> None:
        self.id = row.interview_id
        self.stage_key = row.stage_key
        self.interviewer_id = row.interviewer_id
        self.starts_at = row.starts_at
        self.duration_minutes = row.duration_minutes
        self.timezone = row.timezone
        self.status = row.interview_status


def personal_status(
    session: Session, rubrics: RubricRegistry, user_id: str, now: datetime, zone: str
) -> PersonalStatus:
    rows = session.scalars(
        select(Interview)
        .join(Candidate)
        .outerjoin(Scorecard, Scorecard.interview_id == Interview.id)
        .where(
            Interview.interviewer_id == user_id,
            Interview.status == InterviewStatus.SCHEDULED,
            Candidate.status == LoopStatus.OPEN,
            Scorecard.id.is_(None),
        )
        .options(selectinload(Interview.candidate))
        .order_by(Interview.starts_at)
    ).all()
    pending: list[PendingScorecard] = []
    upcoming: list[InterviewLine] = []
    channels: dict[int, tuple[str, str | None]] = {}
    for interview in rows:
        pack = rubrics.get(interview.candidate.pack)
        line = interview_line(interview, pack, now, submitted=False)
        if line.starts_at <= now:
            pending.append(
                PendingScorecard(
                    interview_id=interview.id,
                    candidate_name=interview.candidate.name,
                    channel_id=interview.candidate.channel_id,
                    stage_name=line.stage_name,
                    ends_at=line.ends_at,
                    overdue=line.overdue,
                )
            )
        else:
            upcoming.append(line)
            channels[interview.id] = (interview.candidate.name, interview.candidate.channel_id)
    return PersonalStatus(
        user_id=user_id,
        pending=pending,
        upcoming=upcoming,
        upcoming_channels=channels,
        zone=zone,
        unfinished=unfinished_loops(session, user_id),
    )


def unfinished_loops(session: Session, user_id: str) -> list[UnfinishedLoop]:
    """The user's loops with no channel yet, or no card in their channel."""
    rows = session.execute(
        select(Candidate.id, Candidate.name, Candidate.channel_id, Candidate.problems)
        .where(
            or_(
                Candidate.recruiter_id == user_id,
                Candidate.hiring_manager_id == user_id,
                Candidate.created_by == user_id,
            ),
            or_(
                Candidate.status == LoopStatus.OPENING,
                and_(Candidate.status == LoopStatus.OPEN, Candidate.card_ts.is_(None)),
            ),
        )
        .order_by(Candidate.id)
    ).all()
    return [UnfinishedLoop(r.id, r.name, r.channel_id, list(r.problems)) for r in rows]
