"""Working hours, in each person's own time zone and calendar. Pure functions of aware datetimes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.services.calendars import HolidayCalendar

CHASER_DELAY = timedelta(minutes=30)
# Long enough for a one-day work week whose day falls on a run of holidays (Christmas week).
SEARCH_DAYS = 45


@dataclass(frozen=True)
class WorkingHours:
    start: time = time(9, 0)
    end: time = time(18, 0)
    days: frozenset[int] = frozenset(range(5))  # Monday=0 .. Friday=4
    holidays: HolidayCalendar | None = None

    def __post_init__(self) -> None:
        # An empty or inverted day has no moment inside it: every reminder would be deferred forever.
        if self.start >= self.end:
            raise ValueError(f"the working day must start before it ends ({self.start:%H:%M} >= {self.end:%H:%M})")
        if not self.days:
            raise ValueError("at least one working day is needed")

    @property
    def chaser_at(self) -> time:
        """When daily chasers go out: half an hour into the day, so not with the first coffee.

        Derived from the hours, never fixed, so it always lies inside them (a day of half an
        hour or less chases at its opening).
        """
        opening = datetime.combine(date(2000, 1, 3), self.start)
        later = opening + CHASER_DELAY
        return later.time() if later < datetime.combine(opening.date(), self.end) else self.start

    def works_on(self, day: date) -> bool:
        return day.weekday() in self.days and not (self.holidays is not None and self.holidays.is_holiday(day))

    def contains(self, moment: datetime, zone: str) -> bool:
        local = moment.astimezone(ZoneInfo(zone))
        return self.works_on(local.date()) and self.start <= local.time() < self.end

    def next_open(self, moment: datetime, zone: str, at: time | None = None) -> datetime:
        """`moment` if it is inside working hours, else the next working day at `at` (default: opening).

        An `at` outside the hours would be outside them again when it comes, and defer forever:
        it is refused.
        """
        if at is not None and not self.start <= at < self.end:
            raise ValueError(f"{at:%H:%M} is outside the working hours")
        if self.contains(moment, zone):
            return moment
        return self.next_working_day_at(moment, zone, at or self.start, include_today=True)

    def next_working_day_at(self, moment: datetime, zone: str, at: time, include_today: bool = False) -> datetime:
        """The first working day at local time `at` strictly after `moment` (or today, if still ahead)."""
        tz = ZoneInfo(zone)
        local = moment.astimezone(tz)
        day = local.date()
        for _ in range(SEARCH_DAYS):
            candidate = datetime.combine(day, at, tzinfo=tz)
            if self.works_on(day) and candidate > local and (include_today or day != local.date()):
                return candidate
            day += timedelta(days=1)
        raise ValueError(f"no working day within {SEARCH_DAYS} days; check the working-hours settings")

    def add_working_days(self, moment: datetime, days: int, zone: str) -> datetime:
        """The same local time-of-day `days` working days later (days off and holidays skipped)."""
        tz = ZoneInfo(zone)
        local = moment.astimezone(tz)
        day = local.date()
        remaining = days
        while remaining > 0:
            day += timedelta(days=1)
            if self.works_on(day):
                remaining -= 1
        return datetime.combine(day, local.time(), tzinfo=tz)
