"""Keeping candidate data out of the logs that libraries write for us.

Bolt quotes whole request bodies in some lines (a failed signature check at INFO, an
unhandled request at WARNING) and every ack's body at DEBUG; those bodies carry candidate
names, scorecard evidence and notes. Its logger is pinned at INFO whatever `-v` asks for,
and a filter cuts any line off where a body would start.
"""

from __future__ import annotations

import logging

BOLT_LOGGER = "hirebot.bolt"
WITHHELD = "[body withheld]"
# Where Bolt's own messages start quoting a payload (slack_bolt/logger/messages.py and its
# request verification): "body: …", "Unhandled request ({…})", "for the request ({…})".
_MARKERS = ("body:", "body=", "request (", "request body", "event:")


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
