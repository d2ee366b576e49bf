"""One logging set-up for every hirebot process: the CLI commands and gunicorn's web workers.

Lines go to stdout with a UTC timestamp, the process id (several gunicorn workers write to one
stream) and the logger's name, as text or as one JSON object a line (HIREBOT_LOG_FORMAT=json).
Libraries' routine chatter is turned down here, and slack_sdk/slack_bolt are pinned at INFO
whatever the level: at DEBUG they log request bodies, which hold candidate data. What a
database error quotes of the data it refused is withheld from every line (bot/logsafety.py).
"""

from __future__ import annotations

import logging
import logging.config
import sys
from datetime import UTC, datetime
from typing import Any

from pythonjsonlogger.json import JsonFormatter

from bot.config import LogSettings, load_log_settings
from bot.logsafety import WithholdDatabaseDetail, quiet_bolt_logger

TEXT_FORMAT = "%(asctime)s %(process)d %(levelname)s %(name)s: %(message)s"
JSON_FIELDS = "%(asctime)s %(process)d %(levelname)s %(name)s %(message)s"

# Loggers held above the root level, and why.
QUIET = {
    # "Running job ..." and "... executed successfully" on every 30 s sweep: ~5,800 lines a day.
    "apscheduler.executors": "WARNING",
    # "Added job", "Scheduler started": our own start-up line says the same once.
    "apscheduler.scheduler": "WARNING",
    # "setup plugin alembic.autogenerate.*" lines on every start, migrations or not.
    "alembic.runtime.plugins": "WARNING",
    # Request and response bodies at DEBUG: candidate names, scorecard text.
    "slack_sdk": "INFO",
    "slack_bolt": "INFO",
    "hirebot.slack_sdk": "INFO",
    "hirebot.bolt": "INFO",
}

# Bolt reads SLACK_BOT_TOKEN from the environment even though create_app hands it a client
# built with that token, and says so on every boot. It is true and harmless.
BOLT_TOKEN_UNUSED = "As you gave `client` as well, `token` will be unused."


class UTCFormatter(logging.Formatter):
    """ISO 8601 in UTC with milliseconds: one unambiguous clock across hosts and processes."""

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        return datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds")


class UTCJsonFormatter(JsonFormatter):
    formatTime = UTCFormatter.formatTime


def json_formatter() -> logging.Formatter:
    return UTCJsonFormatter(
        JSON_FIELDS, rename_fields={"asctime": "time", "levelname": "level", "name": "logger", "process": "pid"}
    )


class StdoutHandler(logging.StreamHandler):
    """Writes to whatever sys.stdout is at the time, not the one at set-up: a process that
    swaps it (a test's capture, a daemon's redirect) still gets its lines."""

    def __init__(self) -> None:
        super().__init__(sys.stdout)

    @property
    def stream(self):
        return sys.stdout

    @stream.setter
    def stream(self, _value: object) -> None:
        pass


class DropMessage(logging.Filter):
    def __init__(self, message: str):
        super().__init__()
        self.message = message

    def filter(self, record: logging.LogRecord) -> bool:
        return record.getMessage() != self.message


def logging_config(level: str = "INFO", fmt: str = "text") -> dict[str, Any]:
    """A dictConfig dict; gunicorn takes it as `logconfig_dict`, the CLI applies it directly."""
    formatter: dict[str, Any] = {"()": json_formatter} if fmt == "json" else {"()": UTCFormatter, "format": TEXT_FORMAT}
    loggers: dict[str, Any] = {name: {"level": quiet} for name, quiet in QUIET.items()}
    # gunicorn's own lines go through the root handler too, so they share the format; its
    # handlers on these loggers are replaced, not added to.
    for name in ("gunicorn.error", "gunicorn.access"):
        loggers[name] = {"level": "INFO", "handlers": [], "propagate": True}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"hirebot": formatter},
        # Every line, ours and the libraries', passes here: no database error's quoted data.
        "filters": {"database_detail": {"()": WithholdDatabaseDetail}},
        "handlers": {"stdout": {"()": StdoutHandler, "formatter": "hirebot", "filters": ["database_detail"]}},
        "root": {"level": level, "handlers": ["stdout"]},
        "loggers": loggers,
    }


def configure_logging(verbose: bool = False, settings: LogSettings | None = None) -> LogSettings:
    """Configure the process's logging from HIREBOT_LOG_LEVEL / HIREBOT_LOG_FORMAT (-v: DEBUG)."""
    settings = settings or load_log_settings()
    logging.config.dictConfig(logging_config("DEBUG" if verbose else settings.log_level, settings.log_format))
    return settings


def bolt_logger() -> logging.Logger:
    """The logger handed to Bolt: bodies withheld (bot/logsafety.py), and its token notice dropped."""
    logger = quiet_bolt_logger()
    if not any(isinstance(f, DropMessage) and f.message == BOLT_TOKEN_UNUSED for f in logger.filters):
        logger.addFilter(DropMessage(BOLT_TOKEN_UNUSED))
    return logger
