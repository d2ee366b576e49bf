"""Only the workspace hirebot is installed in is served.

The expected workspace is the one the bot token belongs to, as auth.test (which Bolt calls
once per process, at its first request) reports it: nothing to configure, nothing to get wrong. A request from any
other team or Enterprise Grid org is refused with 403 and logged by its ids only.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from slack_bolt import App, BoltRequest, BoltResponse
from slack_bolt.middleware import Middleware

from bot.container import Services

log = logging.getLogger(__name__)


def same_workspace(
    expected_team: str | None, expected_enterprise: str | None, team: str | None, enterprise: str | None
) -> bool:
    """A request naming another Enterprise Grid org (or any org, when ours is in none) is not
    ours; inside our org any workspace is (an org-wide install serves them all); elsewhere the
    team must be ours. A request naming neither a team nor an org is not ours."""
    if enterprise and enterprise != expected_enterprise:
        return False
    if enterprise and expected_enterprise:
        return True
    return bool(team) and team == expected_team


class OnlyOurWorkspace(Middleware):
    """A Bolt middleware class rather than a function: Bolt calls a function middleware
    through its argument injection, which builds every argument a listener could ask for on
    every request; a class is called with the request as it is."""

    def process(self, *, req: BoltRequest, resp: BoltResponse, next: Callable[[], BoltResponse]) -> BoltResponse:
        context = req.context
        installed = context.authorize_result
        if installed is not None and same_workspace(
            installed.team_id, installed.enterprise_id, context.team_id, context.enterprise_id
        ):
            return next()
        log.warning(
            "refused a request from team %s (enterprise %s): not the workspace hirebot is installed in",
            context.team_id,
            context.enterprise_id,
        )
        return BoltResponse(status=403, body="")


def register(app: App, services: Services) -> None:
    app.middleware(OnlyOurWorkspace())
