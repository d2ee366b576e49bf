"""A scorecard submission's reads and writes, as SQL statements built once.

A submission is the busiest write hirebot takes: an interviewer presses Submit and Slack
waits for the ack. Through the ORM, the locked read (the interview joined to its loop,
debrief, scorecard, ratings and red flags, loaded into objects) and the unit of work's
flush cost 2 to 7 ms of CPU per submission, most of it building objects and statements
rather than talking to the database (`benchmarks/load.py --profile`). Here the read is one
statement into plain rows, and the writes touch only the rows that change.

ScorecardService (scorecards.py) keeps the rules and the transaction; this module only
reads and writes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Connection, Table, bindparam, delete, insert, select, update

from bot.services.reminders import STOPPED_BY_A_SCORECARD
from bot.services.scorecard_form import FilledScorecard, ScorecardForm
from db.models import (
    AuditEvent,
    Candidate,
    Debrief,
    Interview,
    InterviewStatus,
    LoopStatus,
    RaisedRedFlag,
    Rating,
    Reminder,
    ReminderKind,
    ReminderStatus,
    Scorecard,
    ScorecardDraft,
)

_interviews = cast(Table, Interview.__table__)
_candidates = cast(Table, Candidate.__table__)
_debriefs = cast(Table, Debrief.__table__)
_scorecards = cast(Table, Scorecard.__table__)
_ratings = cast(Table, Rating.__table__)
_flags = cast(Table, RaisedRedFlag.__table__)
_reminders = cast(Table, Reminder.__table__)
_drafts = cast(Table, ScorecardDraft.__table__)
_audit = cast(Table, AuditEvent.__table__)

# One row per (rating, red flag) pair of the scorecard, or one row when there is none.
_READ = (
    select(
        _interviews.c.id,
        _interviews.c.candidate_id,
        _interviews.c.stage_key,
        _interviews.c.interviewer_id,
        _interviews.c.starts_at,
        _interviews.c.timezone,
        _interviews.c.status,
        _candidates.c.name.label("candidate_name"),
        _candidates.c.status.label("loop_status"),
        _candidates.c.pack,
        _candidates.c.channel_id,
        _debriefs.c.posted_at,
        _scorecards.c.id.label("scorecard_id"),
        _scorecards.c.interviewer_id.label("author"),
        _scorecards.c.recommendation,
        _scorecards.c.notes,
        _scorecards.c.amendments,
        _ratings.c.competency_key,
        _ratings.c.competency_name,
        _ratings.c.rating,
        _ratings.c.evidence.label("rating_evidence"),
        _ratings.c.impression,
        _flags.c.flag_key,
        _flags.c.flag_label,
        _flags.c.evidence.label("flag_evidence"),
    )
    .select_from(
        _interviews.join(_candidates, _candidates.c.id == _interviews.c.candidate_id)
        .outerjoin(_debriefs, _debriefs.c.candidate_id == _candidates.c.id)
        .outerjoin(_scorecards, _scorecards.c.interview_id == _interviews.c.id)
        .outerjoin(_ratings, _ratings.c.scorecard_id == _scorecards.c.id)
        .outerjoin(_flags, _flags.c.scorecard_id == _scorecards.c.id)
    )
    .where(_interviews.c.id == bindparam("interview_id"))
)
# A submission's read: only the interview's row is locked (PostgreSQL refuses FOR UPDATE on an
# outer join's nullable side), which serialises submissions for one interview.
_LOCK = _READ.with_for_update(of=_interviews)

_INSERT_SCORECARD = insert(_scorecards)
# The INSERTs below are written inside Statements.together() (sent without waiting for an
# answer), so they are inline: without the RETURNING of new ids SQLAlchemy otherwise adds.
_UPDATE_SCORECARD = update(_scorecards).where(_scorecards.c.id == bindparam("b_id"))
_INSERT_RATINGS = insert(_ratings).inline()
_UPDATE_RATING = update(_ratings).where(
    _ratings.c.scorecard_id == bindparam("b_scorecard"), _ratings.c.competency_key == bindparam("b_key")
)
_DELETE_RATINGS = delete(_ratings).where(
    _ratings.c.scorecard_id == bindparam("b_scorecard"),
    _ratings.c.competency_key.in_(bindparam("b_keys", expanding=True)),
)
_INSERT_FLAGS = insert(_flags).inline()
_UPDATE_FLAG = update(_flags).where(
    _flags.c.scorecard_id == bindparam("b_scorecard"), _flags.c.flag_key == bindparam("b_key")
)
_DELETE_FLAGS = delete(_flags).where(
    _flags.c.scorecard_id == bindparam("b_scorecard"), _flags.c.flag_key.in_(bindparam("b_keys", expanding=True))
)
_STOP_CHASING = (
    update(_reminders)
    .where(
        _reminders.c.interview_id == bindparam("b_interview"),
        _reminders.c.status == ReminderStatus.PENDING,
        _reminders.c.kind.in_(STOPPED_BY_A_SCORECARD),
    )
    .values(status=ReminderStatus.CANCELLED)
)
_INSERT_REMINDER = insert(_reminders).inline()
_DELETE_DRAFTS = delete(_drafts).where(_drafts.c.interview_id == bindparam("b_interview"))
_INSERT_AUDIT = insert(_audit).inline()


@dataclass(frozen=True)
class StoredRating:
    name: str
    rating: int
    evidence: str | None
    impression: bool


@dataclass(frozen=True)
class StoredScorecard:
    id: int
    interviewer_id: str
    recommendation: str
    notes: str | None
    amendments: int
    ratings: dict[str, StoredRating]  # by competency key, in the order they were stored
    flags: dict[str, tuple[str, str]]  # flag key -> (label, evidence)

    def form(self) -> ScorecardForm:
        """The stored scorecard as a form: the modal's prefill, and what a new submission is compared with."""
        return ScorecardForm(
            ratings={k: r.rating for k, r in self.ratings.items()},
            evidence={k: r.evidence for k, r in self.ratings.items() if r.evidence},
            flags=sorted(self.flags),
            flag_evidence={k: self.flags[k][1] for k in sorted(self.flags)},
            recommendation=self.recommendation,
            notes=self.notes or "",
        )


@dataclass(frozen=True)
class InterviewState:
    """An interview with what opening, drafting or submitting its scorecard decides on."""

    id: int
    candidate_id: int
    stage_key: str
    interviewer_id: str
    starts_at: datetime
    timezone: str
    status: InterviewStatus
    candidate_name: str
    loop_status: LoopStatus
    pack: str
    channel_id: str | None
    debrief_posted: bool
    scorecard: StoredScorecard | None

    @property
    def author(self) -> str:
        """Who may open and edit the scorecard: whoever wrote it, once it exists.

        The interview's own interviewer_id is the plan and could once be changed by a
        reschedule; a submitted scorecard stays with (and stays visible to) its author."""
        return self.scorecard.interviewer_id if self.scorecard is not None else self.interviewer_id


def read(conn: Connection, interview_id: int) -> InterviewState | None:
    return _state(conn.execute(_READ, {"interview_id": interview_id}).all())


def lock(conn: Connection, interview_id: int) -> InterviewState | None:
    """As read, and the interview's row stays locked until the transaction ends."""
    return _state(conn.execute(_LOCK, {"interview_id": interview_id}).all())


def _state(rows: Sequence[Any]) -> InterviewState | None:
    if not rows:
        return None
    first = rows[0]
    return InterviewState(
        id=first.id,
        candidate_id=first.candidate_id,
        stage_key=first.stage_key,
        interviewer_id=first.interviewer_id,
        starts_at=first.starts_at,
        timezone=first.timezone,
        status=first.status,
        candidate_name=first.candidate_name,
        loop_status=first.loop_status,
        pack=first.pack,
        channel_id=first.channel_id,
        debrief_posted=first.posted_at is not None,
        scorecard=_stored(rows),
    )


def _stored(rows: Sequence[Any]) -> StoredScorecard | None:
    first = rows[0]
    if first.scorecard_id is None:
        return None
    ratings: dict[str, StoredRating] = {}
    flags: dict[str, tuple[str, str]] = {}
    for row in rows:
        if row.competency_key is not None:
            ratings[row.competency_key] = StoredRating(
                row.competency_name, row.rating, row.rating_evidence, bool(row.impression)
            )
        if row.flag_key is not None:
            flags[row.flag_key] = (row.flag_label, row.flag_evidence)
    return StoredScorecard(
        first.scorecard_id, first.author, first.recommendation, first.notes, first.amendments, ratings, flags
    )


def insert_scorecard(conn: Connection, interview: InterviewState, author: str, filled: FilledScorecard) -> int:
    """A first submission's own row; returns its id, which insert_answers needs."""
    result = conn.execute(
        _INSERT_SCORECARD,
        {
            "interview_id": interview.id,
            "interviewer_id": author,
            **filled.header(),
            "submitted_at": filled.at,
            "amendments": 0,
        },
    )
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])


def insert_answers(conn: Connection, scorecard_id: int, filled: FilledScorecard) -> None:
    """A first submission's ratings and red flags."""
    conn.execute(_INSERT_RATINGS, [{"scorecard_id": scorecard_id, **r} for r in filled.ratings])
    if filled.flags:
        conn.execute(_INSERT_FLAGS, [{"scorecard_id": scorecard_id, **f} for f in filled.flags])


def update_scorecard(conn: Connection, stored: StoredScorecard, filled: FilledScorecard, amendments: int) -> None:
    """An edit: the scorecard's own row, then only the ratings and red flags that changed."""
    conn.execute(_UPDATE_SCORECARD, {"b_id": stored.id, **filled.header(), "amendments": amendments})
    _write_changes(
        conn,
        stored.id,
        {k: (r.name, r.rating, r.evidence, r.impression) for k, r in stored.ratings.items()},
        {r["competency_key"]: r for r in filled.ratings},
        "competency_key",
        (_INSERT_RATINGS, _UPDATE_RATING, _DELETE_RATINGS),
    )
    _write_changes(
        conn,
        stored.id,
        dict(stored.flags),
        {f["flag_key"]: f for f in filled.flags},
        "flag_key",
        (_INSERT_FLAGS, _UPDATE_FLAG, _DELETE_FLAGS),
    )


def _write_changes(
    conn: Connection,
    scorecard_id: int,
    before: dict[str, tuple[Any, ...]],
    after: dict[str, dict[str, Any]],
    key: str,
    statements: tuple[Any, Any, Any],
) -> None:
    """Rows keyed within one scorecard: insert the new keys, update the changed ones in place
    (the unique (scorecard, key) constraint stays satisfied at every step), delete the dropped."""
    insert_, update_, delete_ = statements
    added = [{"scorecard_id": scorecard_id, **row} for k, row in after.items() if k not in before]
    changed = [
        {"b_scorecard": scorecard_id, "b_key": k, **{c: v for c, v in row.items() if c != key}}
        for k, row in after.items()
        if k in before and tuple(v for c, v in row.items() if c != key) != before[k]
    ]
    dropped = [k for k in before if k not in after]
    if dropped:
        conn.execute(delete_, {"b_scorecard": scorecard_id, "b_keys": dropped})
    if changed:
        conn.execute(update_, changed)
    if added:
        conn.execute(insert_, added)


def stop_chasing(conn: Connection, interview: InterviewState, now: datetime) -> None:
    """Cancel the interview's pending 'due' DM, chaser and escalation; queue the channel's
    receipt through the outbox (a Slack outage delays it, never loses it); drop any draft."""
    conn.execute(_STOP_CHASING, {"b_interview": interview.id})
    if interview.channel_id:
        conn.execute(
            _INSERT_REMINDER,
            {
                "kind": ReminderKind.RECEIPT,
                "candidate_id": interview.candidate_id,
                "interview_id": interview.id,
                "target_user_id": interview.channel_id,
                "due_at": now,
            },
        )
    conn.execute(_DELETE_DRAFTS, {"b_interview": interview.id})


def audit(conn: Connection, actor_id: str, action: str, candidate_id: int, details: dict[str, Any]) -> None:
    row = {"actor_id": actor_id, "action": action, "candidate_id": candidate_id, "details": details}
    conn.execute(_INSERT_AUDIT, row)
