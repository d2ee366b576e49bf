"""Settings, read from the environment and `.env`.

Every problem with a setting is turned into one sentence that names the variable and how to
fix it: the people starting the bot are recruiters' IT admins, not Python developers.
"""

from __future__ import annotations

import re
from datetime import time
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from platformdirs import user_data_path
from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from bot.calendars import HolidayCalendar, parse_calendar

NEW_APP = "no app yet? use 'Create app from manifest' with manifest.json, then install it"

# Where to find each Slack setting; the worker needs only the bot token, so each names its own step.
WHERE = {
    "SLACK_BOT_TOKEN": "OAuth & Permissions > Bot User OAuth Token (xoxb-)",
    "SLACK_APP_TOKEN": "Basic Information > App-Level Tokens, one with scope connections:write (xapp-)",
    "SLACK_SIGNING_SECRET": "Basic Information > App Credentials > Signing Secret",
}

S = TypeVar("S", bound="LogSettings")

_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")
# Drivers installed with hirebot. Others (psycopg2, mysqlclient...) would fail deep inside SQLAlchemy.
_DRIVERS = {"sqlite", "sqlite+pysqlite", "postgresql+psycopg"}


def default_database_path() -> Path:
    """One SQLite file per user, wherever the bot is started from (never the working directory)."""
    return user_data_path("hirebot", appauthor=False) / "hirebot.db"


def default_database_url() -> str:
    return f"sqlite:///{default_database_path()}"


class ConfigError(Exception):
    """A setting that stops the bot. str() is the single line to show."""


class LogSettings(BaseSettings):
    """The settings logging needs, readable before (and without) the rest: `hirebot rubrics check`
    and gunicorn's master configure logging without a database or tokens."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore", populate_by_name=True)

    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(default="INFO", alias="HIREBOT_LOG_LEVEL")
    log_format: Literal["text", "json"] = Field(default="text", alias="HIREBOT_LOG_FORMAT")
    # gunicorn's line per HTTP request. Off by default: every Slack request is a POST to
    # /slack/events, so the line tells nothing /metrics does not count better (by
    # interaction and outcome), and building it cost 4% of a web worker's CPU under load.
    access_log: bool = Field(default=False, alias="HIREBOT_ACCESS_LOG")


class Settings(LogSettings):
    slack_bot_token: str | None = Field(default=None, alias="SLACK_BOT_TOKEN")
    slack_app_token: str | None = Field(default=None, alias="SLACK_APP_TOKEN")
    slack_signing_secret: str | None = Field(default=None, alias="SLACK_SIGNING_SECRET")
    slack_api_url: str = Field(default="https://slack.com/api/", alias="SLACK_API_URL")
    database_url: str = Field(default_factory=default_database_url, alias="DATABASE_URL")
    recruiters: Annotated[frozenset[str], NoDecode] = Field(default=frozenset(), alias="HIREBOT_RECRUITERS")
    timezone: str = Field(default="UTC", alias="HIREBOT_TIMEZONE")
    rubrics_dir: str | None = Field(default=None, alias="HIREBOT_RUBRICS_DIR")
    # Reminder cadence; defaults follow the product spec.
    working_hours_start: time = Field(default=time(9, 0), alias="HIREBOT_WORKDAY_START")
    working_hours_end: time = Field(default=time(18, 0), alias="HIREBOT_WORKDAY_END")
    # Public holidays nobody is reminded on, unless they choose their own calendar in App Home.
    holidays: str | None = Field(default=None, alias="HIREBOT_HOLIDAYS")
    prep_kit_minutes: int = Field(default=30, ge=0, le=24 * 60, alias="HIREBOT_PREP_KIT_MINUTES")
    first_chaser_minutes: int = Field(default=60, ge=5, le=24 * 60, alias="HIREBOT_FIRST_CHASER_MINUTES")
    escalate_after_days: int = Field(default=2, ge=1, le=20, alias="HIREBOT_ESCALATE_AFTER_WORKING_DAYS")
    summary_minutes_before_debrief: int = Field(
        default=60, ge=0, le=24 * 60, alias="HIREBOT_SUMMARY_MINUTES_BEFORE_DEBRIEF"
    )
    offer_archive: bool = Field(default=True, alias="HIREBOT_OFFER_ARCHIVE")
    nudge_hours_before_debrief: int = Field(default=3, ge=1, le=72, alias="HIREBOT_NUDGE_HOURS_BEFORE_DEBRIEF")
    # Interviews a week a person takes at most, unless they lower it for themselves in App Home.
    weekly_cap: int = Field(default=4, ge=1, le=40, alias="HIREBOT_WEEKLY_CAP")
    # chat.postMessage's workspace-wide pace, per process (bot/slack_gateway/tiers.py): with two workers
    # sweeping one workspace, give each its share.
    slack_messages_per_minute: int = Field(default=300, ge=1, le=6000, alias="HIREBOT_SLACK_MESSAGES_PER_MINUTE")
    # Keep loop cards' rows in each process until PostgreSQL says they changed (db/card_watch.py).
    card_cache: bool = Field(default=True, alias="HIREBOT_CARD_CACHE")
    # How often the scheduler looks for due reminders.
    sweep_seconds: int = Field(default=30, ge=1, le=3600, alias="HIREBOT_SWEEP_SECONDS")
    # The worker's (and Socket Mode's) Prometheus port; the web process serves /metrics on its own port.
    metrics_port: int | None = Field(default=None, ge=1, le=65535, alias="HIREBOT_METRICS_PORT")

    @field_validator("recruiters", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        if isinstance(value, str):
            ids = [part.strip() for part in value.replace(";", ",").split(",") if part.strip()]
            bad = [i for i in ids if not _USER_ID.match(i)]
            if bad:
                raise ValueError(
                    f"{', '.join(bad)} is not a Slack user id; use ids like U012ABCDEF, "
                    "separated by commas (profile > ... > Copy member ID)"
                )
            return frozenset(ids)
        return value

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"{value!r} is not an IANA time zone; use a name like Europe/London") from None
        return value

    @field_validator("holidays")
    @classmethod
    def _known_calendar(cls, value: str | None) -> str | None:
        calendar = parse_calendar(value)  # a ValueError here is the one-line message
        return calendar.code if calendar else None

    @field_validator("slack_api_url")
    @classmethod
    def _trailing_slash(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError(f"{value!r} is not an http(s) URL; use https://slack.com/api/")
        return value if value.endswith("/") else value + "/"

    @field_validator("database_url")
    @classmethod
    def _supported_database(cls, value: str) -> str:
        if not value.startswith(("sqlite", "postgresql", "postgres://")):
            raise ValueError(
                f"{value.split(':', 1)[0]!r} databases are not supported; use sqlite:///path or "
                "postgresql+psycopg://user@host/db"
            )
        if value.startswith("postgresql://") or value.startswith("postgres://"):
            # psycopg 3 is the driver we ship; the bare scheme would ask SQLAlchemy for psycopg2.
            value = "postgresql+psycopg://" + value.split("://", 1)[1]
        try:
            url = make_url(value)
            url.port  # noqa: B018 - parsing the port is what raises for "host:notaport"
        except (ArgumentError, ValueError):
            raise ValueError(
                "cannot be parsed; use sqlite:////absolute/path.db or postgresql+psycopg://user@host/db"
            ) from None
        if url.drivername not in _DRIVERS:
            raise ValueError(
                f"the {url.drivername!r} driver is not installed with hirebot; use postgresql+psycopg:// (psycopg 3)"
            )
        return value

    @model_validator(mode="after")
    def _a_working_day(self) -> Settings:
        # Checked at start: an inverted day would otherwise defer every reminder, silently, forever.
        if self.working_hours_start >= self.working_hours_end:
            raise ValueError(
                f"HIREBOT_WORKDAY_START ({self.working_hours_start:%H:%M}) must be before HIREBOT_WORKDAY_END "
                f"({self.working_hours_end:%H:%M}); working hours cannot cross midnight"
            )
        return self

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def holiday_calendar(self) -> HolidayCalendar | None:
        return parse_calendar(self.holidays)

    def require(self, *names: str) -> None:
        """Stop with one sentence if any of the named settings is missing or of the wrong kind."""
        checks = {
            "SLACK_BOT_TOKEN": (self.slack_bot_token, "xoxb-"),
            "SLACK_APP_TOKEN": (self.slack_app_token, "xapp-"),
            "SLACK_SIGNING_SECRET": (self.slack_signing_secret, ""),
        }
        missing = [n for n in names if not checks[n][0]]
        if missing:
            where = "; ".join(f"{n} is under {WHERE[n]}" for n in missing)
            raise ConfigError(
                f"Missing {' and '.join(missing)}: in your Slack app at https://api.slack.com/apps, "
                f"{where} ({NEW_APP})."
            )
        for name in names:
            value, prefix = checks[name]
            if value and ("..." in value or value.strip("-_. ").lower() in {"xoxb", "xapp", "changeme", "secret"}):
                raise ConfigError(
                    f"{name} is still the placeholder from .env.example; copy the real one from {WHERE[name]}."
                )
            if prefix and value and not value.startswith(prefix):
                raise ConfigError(
                    f"{name} should start with {prefix!r}; check you copied the right token ({WHERE[name]})."
                )


_ALIASES = {name: field.alias for name, field in Settings.model_fields.items()}


def load_settings(**overrides: Any) -> Settings:
    """Read settings, turning pydantic's report into one line that names the variable."""
    return _load(Settings, overrides)


def load_log_settings(**overrides: Any) -> LogSettings:
    return _load(LogSettings, overrides)


def _load(kind: type[S], overrides: dict[str, Any]) -> S:
    try:
        return kind(**overrides)
    except ValidationError as exc:
        error = exc.errors()[0]
        message = error["msg"].removeprefix("Value error, ")
        if not error["loc"]:  # a check across settings names its variables itself
            raise ConfigError(f"Invalid settings: {message}.") from None
        field = str(error["loc"][0])
        variable = _ALIASES.get(field, field)
        raise ConfigError(f"{variable} is invalid: {message}.") from None
