"""Public holiday calendars, named by the `holidays` library's country and subdivision codes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import lru_cache

import holidays

NO_CALENDAR = "none"
CALENDAR_HINT = "use a country code like GB, or country-subdivision like US-CA or DE-BY, or none"


@dataclass(frozen=True)
class HolidayCalendar:
    country: str
    subdiv: str | None = None

    @property
    def code(self) -> str:
        return f"{self.country}-{self.subdiv}" if self.subdiv else self.country

    def is_holiday(self, day: date) -> bool:
        return day in _holidays_in(self.country, self.subdiv, day.year)


@lru_cache(maxsize=512)
def _holidays_in(country: str, subdiv: str | None, year: int) -> frozenset[date]:
    # Building a year's calendar costs milliseconds; a sweep asks about the same few years
    # for every row, so each (calendar, year) is built once per process.
    return frozenset(holidays.country_holidays(country, subdiv=subdiv, years=year))


def parse_calendar(text: str | None) -> HolidayCalendar | None:
    """'GB', 'US-CA', 'de-by' -> a calendar; '' or 'none' -> None. Raises ValueError with one sentence."""
    value = (text or "").strip()
    if not value or value.lower() == NO_CALENDAR:
        return None
    country, _, subdiv = value.partition("-")
    supported = holidays.list_supported_countries()
    known = supported.get(country.upper())
    if known is None:
        raise ValueError(f"{value[:40]!r} is not a country the holidays calendar knows; {CALENDAR_HINT}")
    if not subdiv:
        return HolidayCalendar(country.upper())
    canonical = {s.upper(): s for s in known}.get(subdiv.upper())
    if canonical is None:
        raise ValueError(
            f"{subdiv[:40]!r} is not a subdivision of {country.upper()}; {CALENDAR_HINT} "
            f"({', '.join(known[:12])}{', …' if len(known) > 12 else ''})"
        )
    return HolidayCalendar(country.upper(), canonical)
