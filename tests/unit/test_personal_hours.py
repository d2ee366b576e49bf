"""Holiday calendars, per-person working hours and their one-query load for a sweep."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from unittest import mock

import pytest
from sqlalchemy import event

from bot.errors import InvalidInput
from bot.services import calendars
from bot.services.calendars import HolidayCalendar, parse_calendar
from bot.services.people import HoursForm, PeopleHours, PeopleService
from bot.services.workhours import WorkingHours
from tests.unit.test_config import config_error


@pytest.mark.parametrize(
    ("value", "expected"),
    [("GB", "GB"), ("us-ca", "US-CA"), ("DE-BY", "DE-BY"), ("none", None), ("", None)],
)
def test_a_calendar_is_read_from_its_code(value: str, expected: str | None) -> None:
    calendar = parse_calendar(value)
    assert (calendar.code if calendar else None) == expected


@pytest.mark.parametrize(("value", "named"), [("QQ", "'QQ'"), ("GB-XX", "'XX'"), ("US-Narnia", "'Narnia'")])
def test_an_unknown_calendar_is_one_line_naming_the_variable(value: str, named: str) -> None:
    message = config_error(HIREBOT_HOLIDAYS=value)
    assert message.startswith("HIREBOT_HOLIDAYS is invalid:")
    assert named in message and "\n" not in message


def test_holidays_are_looked_up_once_per_calendar_and_year() -> None:
    calendars._holidays_in.cache_clear()
    england = HolidayCalendar("GB", "ENG")
    with mock.patch.object(calendars.holidays, "country_holidays", wraps=calendars.holidays.country_holidays) as build:
        for day in range(1, 32):
            england.is_holiday(date(2031, 12, day))
        england.is_holiday(date(2032, 1, 1))
    assert build.call_count == 2


def test_working_days_skip_public_holidays() -> None:
    hours = WorkingHours(holidays=HolidayCalendar("GB"))
    christmas_eve = datetime(2030, 12, 24, 15, 0, tzinfo=UTC)
    assert hours.add_working_days(christmas_eve, 2, "Europe/London").date() == date(2030, 12, 30)
    assert not hours.contains(datetime(2030, 12, 26, 12, 0, tzinfo=UTC), "Europe/London")
    assert hours.next_working_day_at(christmas_eve, "Europe/London", time(9, 30)).date() == date(2030, 12, 27)


def test_a_sweep_loads_everyones_hours_in_one_query(database) -> None:
    defaults = WorkingHours(holidays=HolidayCalendar("GB"))
    people = PeopleHours(defaults)
    PeopleService(database, people).save("U0SUNTHU", HoursForm("08:00", "16:00", ["6", "0", "1", "2", "3"], "none"))
    statements: list[str] = []
    event.listen(database.engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    with database.transaction() as session:
        loaded = people.load(session, ["U0SUNTHU", "U0DEFAULT", "U0OTHER"])
    assert sum("people" in s for s in statements) == 1
    assert loaded["U0SUNTHU"] == WorkingHours(time(8, 0), time(16, 0), frozenset({6, 0, 1, 2, 3}), None)
    assert loaded["U0DEFAULT"] is defaults and loaded["U0OTHER"] is defaults


def test_the_hours_form_names_each_wrong_field(database) -> None:
    service = PeopleService(database, PeopleHours(WorkingHours()))
    with pytest.raises(InvalidInput) as refused:
        service.validate(HoursForm("18:00", "18:00", ["9"], "GB-NOWHERE"))
    assert set(refused.value.errors) == {"hours_end", "hours_days", "hours_holidays"}
    with pytest.raises(InvalidInput) as missing:
        service.validate(HoursForm("", "17:00", ["0"], ""))
    assert set(missing.value.errors) == {"hours_start"}
