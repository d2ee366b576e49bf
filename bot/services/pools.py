"""Interviewer pools: who interviews for each stage of a pack, and how far trained they are there.

A pool is the `pool_members` rows of one (pack, stage). Recruiters keep them (`/hire pool`);
*Add interview* suggests trained members (bot/services/suggestions.py). The functions taking a
`Session` are the repository, for services that read pools inside their own transaction.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from bot.clock import Clock
from bot.config import Settings
from bot.errors import InvalidInput, NotFound, PermissionDenied
from bot.fields import Field
from bot.services import queries
from bot.services.checks import bad_user_id
from db.models import Interview, InterviewStatus, PoolMember
from db.session import Database
from db.vocabulary import PoolRole
from rubrics.loader import RubricError, RubricRegistry

MAX_ADD = 30  # people added in one go: the modal's multi-user picker


@dataclass(frozen=True)
class Member:
    user_id: str
    role: PoolRole
    added_by: str
    added_at: datetime


@dataclass(frozen=True)
class PoolKey:
    pack: str
    stage: str


@dataclass(frozen=True)
class PoolView:
    """One stage's pool as the modal shows it, with the names the pickers offer."""

    key: PoolKey
    pack_name: str
    stage_name: str
    members: list[Member]


def parse_role(value: str) -> PoolRole:
    try:
        return PoolRole(value)
    except ValueError:
        raise InvalidInput({Field.POOL_ROLE: "Pick trained, shadowing or reverse shadowing."}) from None


def _member(row: PoolMember) -> Member:
    return Member(row.user_id, PoolRole(row.role), row.added_by, row.added_at)


# The repository: reads and writes inside a caller's transaction.


def members(session: Session, pack: str, stage: str, role: PoolRole | None = None) -> list[Member]:
    query = select(PoolMember).where(PoolMember.pack == pack, PoolMember.stage == stage)
    if role is not None:
        query = query.where(PoolMember.role == role)
    return [_member(r) for r in session.scalars(query.order_by(PoolMember.added_at, PoolMember.id))]


def member(session: Session, pack: str, stage: str, user_id: str) -> Member | None:
    row = _row(session, pack, stage, user_id)
    return _member(row) if row else None


def _row(session: Session, pack: str, stage: str, user_id: str) -> PoolMember | None:
    return session.scalar(
        select(PoolMember).where(PoolMember.pack == pack, PoolMember.stage == stage, PoolMember.user_id == user_id)
    )


def pack_members(session: Session, pack: str) -> dict[str, dict[str, PoolRole]]:
    """Every pool of a pack in one query: {stage: {user: role}}."""
    found: dict[str, dict[str, PoolRole]] = {}
    for stage, user, role in session.execute(
        select(PoolMember.stage, PoolMember.user_id, PoolMember.role).where(PoolMember.pack == pack)
    ):
        found.setdefault(stage, {})[user] = PoolRole(role)
    return found


def interview_counts(session: Session, users: Iterable[str], since: datetime, until: datetime) -> Counter[str]:
    """Scheduled (not cancelled) interviews per person starting in [since, until), one query."""
    wanted = set(users)
    if not wanted:
        return Counter()
    rows = session.execute(
        select(Interview.interviewer_id, func.count(Interview.id))
        .where(
            Interview.interviewer_id.in_(wanted),
            Interview.status == InterviewStatus.SCHEDULED,
            Interview.starts_at >= since,
            Interview.starts_at < until,
        )
        .group_by(Interview.interviewer_id)
    )
    return Counter({user: count for user, count in rows})


class PoolService:
    """Keeping pools: recruiters add, re-role and remove members; anyone may read one."""

    def __init__(self, db: Database, rubrics: RubricRegistry, settings: Settings, clock: Clock):
        self.db = db
        self.rubrics = rubrics
        self.settings = settings
        self.clock = clock

    def ensure_recruiter(self, user_id: str) -> None:
        if user_id not in self.settings.recruiters:
            raise PermissionDenied(
                "Only recruiters can change interviewer pools. Ask your hirebot admin to add you to HIREBOT_RECRUITERS."
            )

    def keys(self) -> list[PoolKey]:
        """Every (pack, stage) a pool can be kept for, in pack order."""
        return [PoolKey(p.pack, s.key) for p in self.rubrics.all() for s in p.stages]

    def key_of(self, value: str) -> PoolKey:
        """The pool a "pack/stage" value names (the modal's stage picker); the first one for ""."""
        if not value:
            return self.keys()[0]
        pack, _, stage = value.partition("/")
        return self.check_key(pack, stage)

    def check_key(self, pack: str, stage: str) -> PoolKey:
        try:
            found = self.rubrics.get(pack)
        except RubricError:
            raise InvalidInput({Field.POOL_STAGE: "Pick a stage from the list."}) from None
        if stage not in {s.key for s in found.stages}:
            raise InvalidInput({Field.POOL_STAGE: "Pick a stage from the list."})
        return PoolKey(pack, stage)

    def view(self, pack: str, stage: str) -> PoolView:
        key = self.check_key(pack, stage)
        found = self.rubrics.get(pack)
        with self.db.transaction() as session:
            listed = members(session, pack, stage)
        return PoolView(key, found.role, found.stage_name(stage), listed)

    def add(self, actor: str, key: PoolKey, users: list[str], role: PoolRole) -> list[str]:
        """Adds `users` with `role`, or moves them to it if already there. Returns who changed."""
        self.ensure_recruiter(actor)
        self.check_key(key.pack, key.stage)
        if not users:
            raise InvalidInput({Field.POOL_PEOPLE: "Pick at least one person."})
        if len(users) > MAX_ADD or any(bad_user_id(u) for u in users):
            raise InvalidInput({Field.POOL_PEOPLE: f"Pick up to {MAX_ADD} people from the list."})
        changed: list[str] = []
        with self.db.transaction() as session:
            for user in dict.fromkeys(users):
                row = _row(session, key.pack, key.stage, user)
                if row is None:
                    now = self.clock()
                    session.add(PoolMember(**vars(key), user_id=user, role=role, added_by=actor, added_at=now))
                elif row.role == role:
                    continue
                else:
                    row.role = role
                changed.append(user)
            details = {"pack": key.pack, "stage": key.stage, "role": str(role), "users": changed}
            session.add(queries.audit(actor, "pool_members_set", None, details))
        return changed

    def set_role(self, actor: str, key: PoolKey, user: str, role: PoolRole) -> None:
        self.ensure_recruiter(actor)
        with self.db.transaction() as session:
            row = _row(session, key.pack, key.stage, user)
            if row is None:
                raise NotFound("That person is no longer in this pool.")
            row.role = role
            details = {"pack": key.pack, "stage": key.stage, "role": str(role), "users": [user]}
            session.add(queries.audit(actor, "pool_members_set", None, details))

    def remove(self, actor: str, key: PoolKey, user: str) -> None:
        self.ensure_recruiter(actor)
        with self.db.transaction() as session:
            gone = session.execute(
                delete(PoolMember).where(
                    PoolMember.pack == key.pack, PoolMember.stage == key.stage, PoolMember.user_id == user
                )
            ).rowcount  # type: ignore[attr-defined]
            if gone:
                details = {"pack": key.pack, "stage": key.stage, "users": [user]}
                session.add(queries.audit(actor, "pool_member_removed", None, details))
