"""The App Home: each person's own scorecards and interviews, their working hours, and the panel's
numbers they may see.

- A recruiter (HIREBOT_RECRUITERS) sees the hiring dashboard (dashboard_data.DashboardService) and
  everyone's leniency.
- An interviewer sees their own timeliness and their own leniency, never anyone else's.
- Anyone else sees neither.

A recruiter's dashboard also shows two pictures (dashboard_pictures.DashboardPictures: one set for
every recruiter, uploaded again only when their numbers change) and this week's load per person
(load.LoadService). When a picture is replaced, every recruiter's Home is republished, and only then is
the replaced file deleted.

Recruiters' Homes follow the changes the dashboard counts (the event table in bot/bootstrap.py), through
one Coalescer: a burst of events reads the dashboard once and publishes each recruiter's Home once,
and a steady stream of them does so once every DASHBOARD_SPACING_SECONDS (the first change after a
quiet spell shows at once). Under the soak's steady traffic (8 scorecards a second) the dashboard was
otherwise read and published back to back, all the time, on a thread the interviewers' own Home
refreshes queue for.

An interviewer's own Home follows the changes that concern them (a scorecard of theirs, an interview
planned, moved or cancelled) the same way, one Coalescer per person, spaced HOME_SPACING_SECONDS: the
first change after a quiet spell shows at once, and a burst shows once more when it ends. Each
refresh reads their interviews, loops and ratings and publishes the whole Home: under the soak's
steady traffic every scorecard had republished its author's Home, and the four interviewers' Homes
took views.publish's whole Tier 4 pace all hour. Opening the Home still publishes it at once
(handlers/home.py).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Collection
from dataclasses import replace

from bot.background import Background, Coalescer
from bot.errors import SlackError
from bot.services import panel_stats
from bot.services.dashboard import Dashboard
from bot.services.dashboard_data import DashboardService
from bot.services.dashboard_pictures import Charts, DashboardPictures
from bot.services.load import LoadReport, LoadService
from bot.services.ports import Gateway, PersonalStatus, Renderer
from db.session import Database

log = logging.getLogger(__name__)

# A recruiter's dashboard trails a steady stream of changes by at most this much.
DASHBOARD_SPACING_SECONDS = 10.0
# And a person's own Home the changes that concern them.
HOME_SPACING_SECONDS = 10.0

Extras = tuple[Charts, LoadReport | None]  # what every recruiter's dashboard shows beside the numbers


class HomeService:
    def __init__(
        self,
        db: Database,
        slack: Gateway,
        render: Renderer,
        dashboards: DashboardService,
        personal: Callable[[str], PersonalStatus],
        recruiters: Collection[str],
        background: Background,
        load: LoadService,
    ):
        self.db, self.slack, self.render = db, slack, render
        self.dashboards, self.personal, self.recruiters = dashboards, personal, frozenset(recruiters)
        self.load, self.pictures = load, DashboardPictures(slack, render)
        self.background = background
        self._recruiters_homes = Coalescer(
            background, self._publish_recruiters, key=("recruiter homes", None), spacing=DASHBOARD_SPACING_SECONDS
        )
        # One per person whose Home a change has concerned: as many as the workspace has
        # interviewers and recruiters, a few hundred bytes each.
        self._homes: dict[str, Coalescer] = {}
        self._homes_lock = threading.Lock()

    def home(self, user_id: str, board: Dashboard | None = None, extras: Extras | None = None) -> PersonalStatus:
        """What `user_id` may see in their Home; `board` (and `extras`) already read for recruiters."""
        status = self.personal(user_id)
        if user_id in self.recruiters:
            board = board or self.dashboards.dashboard()
            charts, load = extras or (Charts(), self._load(board))
            return replace(
                status,
                leniency=board.leniency,
                sees_everyone=True,
                dashboard=board,
                charts=charts.images,
                load=load,
            )
        own = self.dashboards.own(user_id)
        with self.db.transaction() as session:
            leniency = panel_stats.leniency(session, {user_id})
        return replace(status, leniency=leniency, own_numbers=own if own.timeliness.due else None)

    def publish_home(self, user_id: str, board: Dashboard | None = None, extras: Extras | None = None) -> None:
        status = self.home(user_id, board, extras)
        try:
            self.slack.publish_home(user_id, self.render.home(status))
        except SlackError as exc:
            if exc.code != "invalid_blocks" or not status.charts:
                raise
            # Slack may refuse an image block while it still processes the file: publish without it.
            log.warning("slack refused the dashboard's pictures; the Home goes without them")
            self.slack.publish_home(user_id, self.render.home(replace(status, charts={})))

    def follow_changes(self, *users: str) -> None:
        """A change concerns these people: their Homes are refreshed, at once after a quiet spell
        and at most once per HOME_SPACING_SECONDS while the changes keep coming."""
        for user in dict.fromkeys(users):
            self._home_of(user).request()

    def _home_of(self, user: str) -> Coalescer:
        with self._homes_lock:
            home = self._homes.get(user)
            if home is None:
                # Its own key: "home" is the key of an opened Home's immediate publish (handlers/home.py).
                home = Coalescer(
                    self.background,
                    lambda: self.refresh_homes(user),
                    key=("followed home", user),
                    spacing=HOME_SPACING_SECONDS,
                )
                self._homes[user] = home
            return home

    def refresh_homes(self, *users: str) -> None:
        """Publish the App Home of these people now; a failure here is cosmetic."""
        for user in dict.fromkeys(users):
            try:
                if user in self.recruiters:
                    self._publish_recruiter(user)
                else:
                    self.publish_home(user)
            except SlackError as exc:
                log.info("home tab not refreshed: %s", exc.code)

    def _publish_recruiter(self, user: str) -> None:
        board = self.dashboards.dashboard()
        charts = self.pictures.current(board)
        self.publish_home(user, board, (charts, self._load(board)))
        if charts.replaced:  # the other recruiters' Homes may still show the replaced pictures
            self._recruiters_homes.request()

    def _load(self, board: Dashboard) -> LoadReport:
        return self.load.report(board.now, 1)  # this week only: the Home is not the place for history

    def refresh_dashboards(self) -> None:
        """Something the dashboard counts changed: republish recruiters' Homes, once per burst."""
        if self.recruiters:
            self._recruiters_homes.request()

    def _publish_recruiters(self) -> None:
        board = self.dashboards.dashboard()  # read once, shown to every recruiter
        extras = (self.pictures.current(board), self._load(board))
        for user in sorted(self.recruiters):
            try:
                self.publish_home(user, board, extras)
            except SlackError as exc:
                log.info("recruiter's home tab not refreshed: %s", exc.code)
        self.pictures.discard_replaced()  # no recruiter's Home shows them any more
