"""Each person's own working time: hours, work week and holiday calendar, else the workspace's.

Reminders, chasers and escalations are timed with the hours of the person they go to. A
sweep loads everyone it is about to remind in one query (`load`), not one per row.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import time

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.calendars import NO_CALENDAR, parse_calendar
from bot.errors import InvalidInput
from bot.events import WorkingHoursChanged, record
from bot.fields import Field
from bot.services.workhours import WorkingHours
from db.models import Person
from db.session import Database

DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


@dataclass(frozen=True)
class HoursForm:
    """What a person typed in the *My working hours* modal; the block ids name the fields."""

    start: str  # HH:MM
    end: str
    days: list[str]  # weekday numbers as strings, Monday=0
    holidays: str  # a calendar code, "none", or empty for the workspace's
    weekly_cap: str = ""  # interviews a week, at most the workspace's; empty for the workspace's


@dataclass(frozen=True)
class HoursSummary:
    """A person's working time as the App Home shows it."""

    hours: WorkingHours
    own: bool  # set by the person, not the workspace defaults
    own_calendar: bool = False  # a holiday calendar of their own ("none" included), not the workspace's
    cap: int = 4  # interviews a week at most: their own if lower, else the workspace's
    own_cap: bool = False


def days_text(days: Iterable[int]) -> str:
    # Starting on Sunday when Sunday is worked reads as people say it: "Sun Mon Tue Wed Thu".
    ordered = sorted(days, key=lambda d: (d != 6, d))
    return " ".join(DAY_NAMES[d] for d in ordered)


class PeopleHours:
    def __init__(self, defaults: WorkingHours):
        self.defaults = defaults

    def of_row(self, row: Person | None) -> WorkingHours:
        if row is None:
            return self.defaults
        try:
            return replace(
                self.defaults,
                start=time.fromisoformat(row.workday_start) if row.workday_start else self.defaults.start,
                end=time.fromisoformat(row.workday_end) if row.workday_end else self.defaults.end,
                days=frozenset(int(d) for d in row.work_days.split(",")) if row.work_days else self.defaults.days,
                holidays=self.defaults.holidays if row.holidays is None else parse_calendar(row.holidays),
            )
        except ValueError:
            # A row from an older or hand-edited database: the workspace hours still reach them.
            return self.defaults

    def load(self, session: Session, users: Iterable[str]) -> dict[str, WorkingHours]:
        """Everyone's hours in one query; people with no row of their own get the defaults."""
        wanted = set(users)
        rows = session.scalars(select(Person).where(Person.user_id.in_(wanted))).all() if wanted else []
        found = {row.user_id: self.of_row(row) for row in rows}
        return {user: found.get(user, self.defaults) for user in wanted}

    def of(self, session: Session, user: str) -> WorkingHours:
        return self.of_row(session.get(Person, user))


class PeopleService:
    """Reading and changing one's own working time (App Home)."""

    def __init__(self, db: Database, resolver: PeopleHours, default_cap: int = 4):
        self.db = db
        self.resolver = resolver
        self.default_cap = default_cap

    def summary(self, user: str) -> HoursSummary:
        with self.db.transaction() as session:
            row = session.get(Person, user)
            own_calendar = row is not None and row.holidays is not None
            own_cap = row.weekly_cap if row is not None and row.weekly_cap else None
            cap = min(own_cap or self.default_cap, self.default_cap)
            hours = self.resolver.of_row(row)
            return HoursSummary(
                hours, own=row is not None, own_calendar=own_calendar, cap=cap, own_cap=cap < self.default_cap
            )

    def _cap(self, typed: str, errors: dict[str, str]) -> int | None:
        """A lower weekly cap, or None for the workspace's; a problem goes into `errors`."""
        text = typed.strip()
        if not text:
            return None
        if not text.isdigit() or not 1 <= int(text) <= self.default_cap:
            errors[Field.WEEKLY_CAP] = (
                f"Enter a whole number from 1 to {self.default_cap} (the workspace's cap), or leave it empty."
            )
            return None
        return int(text) if int(text) < self.default_cap else None

    def validate(self, form: HoursForm) -> Person:
        """The row the form describes, or InvalidInput naming each field that is wrong."""
        errors: dict[str, str] = {}
        try:
            start, end = time.fromisoformat(form.start), time.fromisoformat(form.end)
        except ValueError:
            errors["hours_start"] = "Pick a start and an end time."
        else:
            if start >= end:
                errors["hours_end"] = "The day must end after it starts (working hours cannot cross midnight)."
        days = sorted({int(d) for d in form.days if d.isdigit() and 0 <= int(d) <= 6})
        if not days:
            errors["hours_days"] = "Pick at least one working day."
        holidays = form.holidays.strip()
        try:
            calendar = parse_calendar(holidays)
        except ValueError as exc:
            errors["hours_holidays"] = str(exc)[:150]
            calendar = None
        cap = self._cap(form.weekly_cap, errors)
        if errors:
            raise InvalidInput(errors)
        code = None if not holidays else (calendar.code if calendar else NO_CALENDAR)
        return Person(
            workday_start=form.start,
            workday_end=form.end,
            work_days=",".join(str(d) for d in days),
            holidays=code,
            weekly_cap=cap,
        )

    def save(self, user: str, form: HoursForm) -> None:
        wanted = self.validate(form)
        with self.db.transaction() as session:
            row = session.get(Person, user) or Person(user_id=user)
            row.workday_start, row.workday_end = wanted.workday_start, wanted.workday_end
            row.work_days, row.holidays = wanted.work_days, wanted.holidays
            row.weekly_cap = wanted.weekly_cap
            session.add(row)
            record(session, WorkingHoursChanged(user))
