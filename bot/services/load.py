"""Interviewer load: interviews per person per ISO week against their weekly cap.

Weeks run Monday 00:00 to Monday 00:00 in the workspace's zone (HIREBOT_TIMEZONE), so that
every view (the suggestions, the card's warnings, `hirebot report load`) counts the same
week. A cancelled interview counts for nobody. A person's cap is the workspace's
(HIREBOT_WEEKLY_CAP), or lower if they chose so in App Home (`people.weekly_cap`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import Interview, InterviewStatus, Person
from db.session import Database

WEEK = timedelta(days=7)


def week_start(moment: datetime, zone: str) -> datetime:
    """Monday 00:00 of the ISO week `moment` falls in, in `zone`."""
    tz = ZoneInfo(zone)
    day = moment.astimezone(tz).date()
    return datetime.combine(day - timedelta(days=day.weekday()), time(0), tzinfo=tz)


def iso_week(monday: datetime) -> str:
    return _iso(monday.date())


def _iso(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def weekly_counts(
    session: Session, users: Iterable[str] | None, since: datetime, until: datetime, zone: str
) -> Counter[tuple[str, date]]:
    """Scheduled interviews per (person, Monday of their ISO week in `zone`) starting in
    [since, until); everyone's when `users` is None. One query."""
    query = select(Interview.interviewer_id, Interview.starts_at).where(
        Interview.status == InterviewStatus.SCHEDULED, Interview.starts_at >= since, Interview.starts_at < until
    )
    if users is not None:
        wanted = set(users)
        if not wanted:
            return Counter()
        query = query.where(Interview.interviewer_id.in_(wanted))
    return Counter((user, week_start(starts_at, zone).date()) for user, starts_at in session.execute(query))


def caps(session: Session, users: Iterable[str], default: int) -> dict[str, int]:
    """Each person's weekly cap: their own when set (never above the workspace's), else the default."""
    wanted = set(users)
    own: dict[str, int] = {}
    if wanted:
        query = select(Person.user_id, Person.weekly_cap).where(Person.user_id.in_(wanted))
        own = {user: cap for user, cap in session.execute(query) if cap}
    return {user: min(own.get(user, default), default) for user in wanted}


@dataclass(frozen=True)
class WeekLoad:
    user_id: str
    week: str  # ISO week, "2030-W10"
    monday: date
    interviews: int
    cap: int

    @property
    def over(self) -> bool:
        return self.interviews > self.cap


@dataclass(frozen=True)
class LoadReport:
    weeks: list[str]  # oldest first
    rows: list[WeekLoad]  # per person per week with at least one interview, by week then person
    zone: str

    @property
    def over(self) -> list[WeekLoad]:
        return [row for row in self.rows if row.over]


class LoadService:
    """The numbers behind `hirebot report load`, for any view that wants them (the dashboard)."""

    def __init__(self, db: Database, zone: str, default_cap: int):
        self.db = db
        self.zone = zone
        self.default_cap = default_cap

    def report(self, now: datetime, weeks: int) -> LoadReport:
        """The last `weeks` ISO weeks up to and including the current one."""
        if not 1 <= weeks <= 104:
            raise ValueError("weeks must be between 1 and 104")
        first = week_start(now, self.zone) - (weeks - 1) * WEEK
        mondays = [first + i * WEEK for i in range(weeks)]
        end = mondays[-1] + WEEK
        with self.db.transaction() as session:
            counts = weekly_counts(session, None, first, end, self.zone)
            limits = caps(session, {user for user, _ in counts}, self.default_cap)
        loads = [
            WeekLoad(user, _iso(monday), monday, n, limits[user])
            for (user, monday), n in sorted(counts.items(), key=lambda kv: (kv[0][1], kv[0][0]))
        ]
        return LoadReport([iso_week(m) for m in mondays], loads, self.zone)
