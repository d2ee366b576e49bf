"""The one way out to Slack's Web API.

Everything that talks to Slack goes through `SlackGateway`. It keeps each method inside its
Slack rate tier, waits out a 429's `Retry-After`, and turns Slack's error strings into the
domain errors of bot/errors.py. It logs method names and error codes, never arguments: those
carry candidate names, scorecard text and tokens.

| module | what it holds |
|---|---|
| `gateway.py` | `SlackGateway`: `call` (the one place a Web API request is made) and the typed methods services call |
| `tiers.py` | Slack's rate tiers, the tier of each method, `RateLimiter` |
| `codes.py` | Slack's error codes, HTTP failures and `Retry-After` as domain errors |
| `budget.py` | the time a call may take: the request's budget to answer Slack, `BudgetedWebClient` |
| `outside.py` | the two requests that are no Web API method: upload bytes, response_url answers |

Import from here (`bot.slack_gateway`); the modules are its inside.
"""

from bot.slack_gateway.budget import (
    ACK_BUDGET_SECONDS,
    CALL_TIMEOUT_SECONDS,
    BudgetedWebClient,
    budget_left,
    quiet_sdk_logger,
)
from bot.slack_gateway.codes import to_domain_error
from bot.slack_gateway.gateway import USER_CACHE_SECONDS, USER_CACHE_SIZE, OpenedView, SlackGateway, SlackUser
from bot.slack_gateway.tiers import METHOD_TIERS, POST_MESSAGE, SPECIAL_METHODS, TIER_PER_MINUTE, RateLimiter

__all__ = [
    "ACK_BUDGET_SECONDS",
    "CALL_TIMEOUT_SECONDS",
    "METHOD_TIERS",
    "POST_MESSAGE",
    "SPECIAL_METHODS",
    "TIER_PER_MINUTE",
    "USER_CACHE_SECONDS",
    "USER_CACHE_SIZE",
    "BudgetedWebClient",
    "OpenedView",
    "RateLimiter",
    "SlackGateway",
    "SlackUser",
    "budget_left",
    "quiet_sdk_logger",
    "to_domain_error",
]
