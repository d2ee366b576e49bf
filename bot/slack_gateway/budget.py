"""How long a Slack call may take: the request's time to answer Slack, or a fixed timeout after it.

The budget lives in a context variable, so threads sharing one client do not disturb each other."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from slack_sdk import WebClient

# Slack gives an interaction 3 seconds for its answer, and a listener answers after its own
# Slack calls (users.info in a modal's validation, views.open). While a request waits, those
# calls share this budget, so the answer (an inline error at worst) is still in time, with a
# second left for the network both ways and for our own work.
ACK_BUDGET_SECONDS = 2.0
# Calls after the ack (background jobs, the scheduler) may wait this long for an answer.
CALL_TIMEOUT_SECONDS = 10.0
_MIN_SOCKET_TIMEOUT = 0.05
_deadline: ContextVar[float | None] = ContextVar("slack_ack_deadline", default=None)


@contextmanager
def answering(seconds: float = ACK_BUDGET_SECONDS) -> Iterator[None]:
    """Slack calls made inside this block, on this thread, end within `seconds` in all."""
    token = _deadline.set(time.monotonic() + seconds)
    try:
        yield
    finally:
        _deadline.reset(token)


def budget_left() -> float | None:
    """Seconds left to answer the request this thread is serving; None outside a request."""
    deadline = _deadline.get()
    return None if deadline is None else deadline - time.monotonic()


def socket_timeout(longest: float) -> float:
    """`longest`, cut to what is left of the budget (never below a token minimum)."""
    left = budget_left()
    return longest if left is None else max(_MIN_SOCKET_TIMEOUT, min(longest, left))


class BudgetedWebClient(WebClient):
    """A WebClient whose socket timeout is never longer than what is left of the budget.

    slack_sdk reads `timeout` afresh for each HTTP attempt (retries included); the budget
    lives in a context variable, so threads sharing the client do not disturb each other."""

    @property  # type: ignore[override]
    def timeout(self) -> float:
        return socket_timeout(self._timeout)

    @timeout.setter
    def timeout(self, value: float) -> None:
        self._timeout = value


def quiet_sdk_logger() -> logging.Logger:
    """slack_sdk logs whole request bodies at DEBUG: candidate names and scorecard text.
    Its logger is pinned at INFO whatever the root level is."""
    sdk = logging.getLogger("hirebot.slack_sdk")
    sdk.setLevel(logging.INFO)
    return sdk
