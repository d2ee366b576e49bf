"""Who should interview for a stage: the trained members of its pool, ranked, with the reasons.

The ranking (`rank`) is a pure function; `SuggestionService` gathers what it needs (pool,
loads, caps, working hours and time zones) in one transaction. The order is:

1. under their weekly cap before at or over it (a person at their cap would go over);
2. fewest interviews in the last 14 days;
3. the slot overlaps their working hours, in their own zone, on one of their working days;
then fewest interviews in the slot's week, then by user id so that the order is stable.

Picking someone else is allowed: the loop card then warns (`pick_warnings`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.orm import Session

from bot.clock import Clock
from bot.errors import InvalidInput
from bot.services import pools
from bot.services.interview_plan import parse_local
from bot.services.load import WEEK, caps, week_start, weekly_counts
from bot.services.people import PeopleHours
from bot.services.ports import LoopCard, PickWarning
from bot.services.workhours import WorkingHours
from db.models import InterviewStatus
from db.session import Database
from db.vocabulary import PoolRole
from rubrics.models import RubricPack

RECENT = timedelta(days=14)


@dataclass(frozen=True)
class Slot:
    starts_at: datetime
    minutes: int

    @property
    def ends_at(self) -> datetime:
        return self.starts_at + timedelta(minutes=self.minutes)


@dataclass(frozen=True)
class Prospect:
    """A trained pool member with what the ranking reads."""

    user_id: str
    week_count: int  # interviews in the slot's week (this week without a slot)
    cap: int
    recent: int  # interviews in the last 14 days
    zone: str
    hours: WorkingHours


@dataclass(frozen=True)
class Suggestion:
    prospect: Prospect
    overlaps: bool | None  # None: no slot picked yet

    @property
    def under_cap(self) -> bool:
        return self.prospect.week_count < self.prospect.cap


@dataclass(frozen=True)
class Suggestions:
    stage_name: str
    ranked: list[Suggestion]
    slot: Slot | None
    slot_zone: str  # the zone the slot was read in (the planner's own)
    week_of: date  # Monday of the week counted
    this_week: bool
    pool_size: int  # members of any role; 0: no pool kept for this stage


def overlaps(hours: WorkingHours, zone: str, slot: Slot) -> bool:
    """Whether any part of the slot falls in the person's working hours on one of their working days."""
    tz = ZoneInfo(zone)
    start, end = slot.starts_at.astimezone(tz), slot.ends_at.astimezone(tz)
    day = start.date()
    while day <= end.date():
        if hours.works_on(day):
            opens = datetime.combine(day, hours.start, tzinfo=tz)
            closes = datetime.combine(day, hours.end, tzinfo=tz)
            if start < closes and opens < end:
                return True
        day += timedelta(days=1)
    return False


def rank(prospects: Iterable[Prospect], slot: Slot | None) -> list[Suggestion]:
    """Best first; see the module's docstring for the order."""
    scored = [Suggestion(p, None if slot is None else overlaps(p.hours, p.zone, slot)) for p in prospects]
    return sorted(
        scored,
        key=lambda s: (
            not s.under_cap,
            s.prospect.recent,
            s.overlaps is False,
            s.prospect.week_count,
            s.prospect.user_id,
        ),
    )


def pick_warnings(session: Session, card: LoopCard, pack: str, zone: str, default_cap: int) -> list[PickWarning]:
    """For the loop card: interviews whose interviewer is outside the stage's trained pool (when
    the stage has a pool), or has more interviews in that week than their cap. Three queries,
    whatever the size of the loop."""
    lines = [line for line in card.interviews if line.status is InterviewStatus.SCHEDULED and not line.submitted]
    if not lines:
        return []
    people = {line.interviewer_id for line in lines}
    limits = caps(session, people, default_cap)
    kept = pools.pack_members(session, pack)
    mondays = {line.id: week_start(line.starts_at, zone) for line in lines}
    load = weekly_counts(session, people, min(mondays.values()), max(mondays.values()) + WEEK, zone)
    warnings = []
    for line in lines:
        pool = kept.get(line.stage_key, {})
        outside = bool(pool) and pool.get(line.interviewer_id) is not PoolRole.TRAINED
        count = load.get((line.interviewer_id, mondays[line.id].date()), 0)
        if outside or count > limits[line.interviewer_id]:
            warnings.append(PickWarning(line.id, outside, count, limits[line.interviewer_id], mondays[line.id].date()))
    return warnings


class SuggestionService:
    def __init__(
        self,
        db: Database,
        people: PeopleHours,
        zone_of: Callable[[str], str],
        zone: str,
        default_cap: int,
        clock: Clock,
    ):
        self.db = db
        self.people = people
        self.zone_of = zone_of
        self.zone = zone
        self.default_cap = default_cap
        self.clock = clock

    def _zone(self, user: str) -> str:
        """A person's zone from their Slack profile; the workspace's if Slack has none, fails,
        or gives a name this machine's zone database does not know."""
        zone = self.zone_of(user)
        try:
            ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError):
            return self.zone
        return zone

    def slot(self, day: str, at: str, minutes: int, planner: str) -> tuple[Slot | None, str]:
        """The slot as the planner typed it, read in their own zone; None until date and time are set."""
        zone = self._zone(planner)
        try:
            starts_at = parse_local(day, at, ZoneInfo(zone), "slot")
        except InvalidInput:
            return None, zone
        return Slot(starts_at, minutes if 10 <= minutes <= 480 else 60), zone

    def for_plan(
        self, pack: RubricPack, stage: str, day: str, at: str, minutes: int, planner: str
    ) -> Suggestions | None:
        """What the Add interview modal shows for the stage and slot picked so far (None: no stage yet)."""
        if stage not in {s.key for s in pack.stages}:
            return None
        slot, zone = self.slot(day, at, minutes, planner)
        return self.suggest(pack.pack, stage, pack.stage_name(stage), slot, zone)

    def suggest(self, pack: str, stage: str, stage_name: str, slot: Slot | None, slot_zone: str) -> Suggestions:
        now = self.clock()
        monday = week_start(slot.starts_at if slot else now, self.zone)
        with self.db.transaction() as session:
            pool = pools.members(session, pack, stage)
            trained = [m.user_id for m in pool if m.role is PoolRole.TRAINED]
            week = pools.interview_counts(session, trained, monday, monday + WEEK)
            recent = pools.interview_counts(session, trained, now - RECENT, now)
            limits = caps(session, trained, self.default_cap)
            hours = self.people.load(session, trained)
        # Outside the transaction: a person's zone is a Slack call (the workspace's zone if it fails).
        prospects = [
            Prospect(user, week[user], limits[user], recent[user], self._zone(user), hours[user]) for user in trained
        ]
        this_week = monday == week_start(now, self.zone)
        return Suggestions(stage_name, rank(prospects, slot), slot, slot_zone, monday.date(), this_week, len(pool))
