"""Keeping candidate data out of the logs that libraries write for us.

Bolt quotes whole request bodies in some lines (a failed signature check at INFO, an
unhandled request at WARNING) and every ack's body at DEBUG; those bodies carry candidate
names, scorecard evidence and notes. Its logger is pinned at INFO whatever `-v` asks for,
and a filter cuts any line off where a body would start.

PostgreSQL quotes the data it refused. A constraint's error carries "DETAIL:  Failing row
contains (…)", the whole row (a candidate's name, a scorecard's evidence and notes), or
"Key (…)=(…)"; a value it could not read comes back quoted in the message itself. That text
reaches our lines by several roads: a traceback (SQLAlchemy's hide_parameters hides the bound
parameters, not the server's words), our own "failed: %s" lines, and psycopg's logger, which
writes a pipelined write's failure as a warning when the block was already leaving on another
exception. So every line our processes write (bot/logs.py) passes WithholdDatabaseDetail,
which keeps the error's kind and constraint and withholds the quoted data.
"""

from __future__ import annotations

import logging
import re

BOLT_LOGGER = "hirebot.bolt"
WITHHELD = "[body withheld]"
# Where Bolt's own messages start quoting a payload (slack_bolt/logger/messages.py and its
# request verification): "body: …", "Unhandled request ({…})", "for the request ({…})".
_MARKERS = ("body:", "body=", "request (", "request body", "event:")

DATA_WITHHELD = "[withheld: may quote candidate data]"
# PostgreSQL's DETAIL and CONTEXT fields, each on its own line of the error's text.
_DETAIL = re.compile(r"^(\s*(?:DETAIL|CONTEXT):)[^\n]*", re.MULTILINE)
# Messages that quote the input they refused: `invalid input syntax for type integer: "…"`.
_QUOTED_INPUT = re.compile(
    r"((?:invalid input (?:syntax|value) for (?:type|enum) [^:\n]+|malformed \w+ literal|"
    r"out of range for type \w+|date/time field value out of range)): \"[^\n]*"
)
_TRACEBACKS = logging.Formatter()


class WithholdBodies(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno < logging.INFO:
            return False
        message = record.getMessage()
        lowered = message.lower()
        cuts = [lowered.find(marker) for marker in _MARKERS if marker in lowered]
        if cuts:
            record.msg = message[: min(cuts)] + WITHHELD
            record.args = ()
        return True


def quiet_bolt_logger() -> logging.Logger:
    """The logger handed to Bolt. Bolt copies its level and filters to the loggers of its
    middleware and listeners, so they are set before the App is built."""
    logger = logging.getLogger(BOLT_LOGGER)
    logger.setLevel(logging.INFO)
    if not any(isinstance(f, WithholdBodies) for f in logger.filters):
        logger.addFilter(WithholdBodies())
    return logger


def withhold_database_detail(text: str) -> str:
    """`text` with what a database error quotes of the data replaced by DATA_WITHHELD."""
    text = _DETAIL.sub(lambda m: f"{m.group(1)} {DATA_WITHHELD}", text)
    return _QUOTED_INPUT.sub(lambda m: f"{m.group(1)}: {DATA_WITHHELD}", text)


class WithholdDatabaseDetail(logging.Filter):
    """On the handler every hirebot process writes through: a line, or the traceback it carries,
    that quotes data a database refused is written with that data withheld."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # a line whose arguments do not fit: the handler reports it
            return True
        cleaned = withhold_database_detail(message)
        if cleaned != message:
            record.msg, record.args = cleaned, ()
        if record.exc_info and record.exc_info[1] is not None:
            # Formatted here, once, as the formatters would; they write exc_text when exc_info is gone.
            trace = _TRACEBACKS.formatException(record.exc_info)
            cleaned = withhold_database_detail(trace)
            if cleaned != trace:
                record.exc_info, record.exc_text = None, cleaned
        elif record.exc_text:
            record.exc_text = withhold_database_detail(record.exc_text)
        return True
