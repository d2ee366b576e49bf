"""Working hours, in each interviewer's own time zone. Pure functions of aware datetimes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class WorkingHours:
    start: time = time(9, 0)
    end: time = time(18, 0)
    days: frozenset[int] = frozenset(range(5))  # Monday=0 .. Friday=4

    def contains(self, moment: datetime, zone: str) -> bool:
        local = moment.astimezone(ZoneInfo(zone))
        return local.weekday() in self.days and self.start <= local.time() < self.end

    def next_open(self, moment: datetime, zone: str, at: time | None = None) -> datetime:
        """`moment` if it is inside working hours, else the next working day at `at` (default: opening)."""
        if self.contains(moment, zone):
            return moment
        return self.next_working_day_at(moment, zone, at or self.start, include_today=True)

    def next_working_day_at(self, moment: datetime, zone: str, at: time, include_today: bool = False) -> datetime:
        """The first working day at local time `at` strictly after `moment` (or today, if still ahead)."""
        tz = ZoneInfo(zone)
        local = moment.astimezone(tz)
        day = local.date()
        for _ in range(15):
            candidate = datetime.combine(day, at, tzinfo=tz)
            if day.weekday() in self.days and candidate > local and (include_today or day != local.date()):
                return candidate
            day += timedelta(days=1)
        raise ValueError("no working day within two weeks; check the working-hours settings")

    def add_working_days(self, moment: datetime, days: int, zone: str) -> datetime:
        """The same local time-of-day `days` working days later (weekends skipped)."""
        tz = ZoneInfo(zone)
        local = moment.astimezone(tz)
        day = local.date()
        remaining = days
        while remaining > 0:
            day += timedelta(days=1)
            if day.weekday() in self.days:
                remaining -= 1
        return datetime.combine(day, local.time(), tzinfo=tz)
