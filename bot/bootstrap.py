"""The one place hirebot is wired together. Tests call `build_services` with fakes swapped in."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import timedelta
from functools import partial
from pathlib import Path
from typing import Any

from bot import metrics
from bot.background import Background, Notify, ThreadBackground
from bot.clock import Clock, utc_now
from bot.config import Settings
from bot.container import Services, tell
from bot.events import (
    ComparisonDue,
    DebriefScheduled,
    DecisionDue,
    EventBus,
    GraduationOfferDue,
    InterviewCancelled,
    InterviewPlanned,
    InterviewRescheduled,
    LoopDecided,
    LoopOpened,
    ReminderEscalated,
    ReminderFailed,
    ScorecardSubmitted,
    SetupRetried,
    Subscriptions,
    SummaryDue,
    TraineeAdded,
    TraineeNoticeDue,
    WorkingHoursChanged,
    asks_only,
    coalesce,
    only_for,
    shows_on_card,
)
from bot.services.dashboard_data import DashboardService
from bot.services.debrief import DebriefService
from bot.services.dispatch import ReminderDispatcher
from bot.services.graduation import GraduationService
from bot.services.homes import HomeService
from bot.services.load import LoadService
from bot.services.loops import LoopService
from bot.services.mending import Mender, cards_changed, mark_cards
from bot.services.people import PeopleHours, PeopleService
from bot.services.pools import PoolService
from bot.services.ports import Renderer
from bot.services.reminders import ReminderPlanner
from bot.services.scorecards import ScorecardService
from bot.services.suggestions import SuggestionService
from bot.services.training import TrainingService
from bot.services.votes import VoteService
from bot.services.workhours import WorkingHours
from bot.slack_gateway import RateLimiter, SlackGateway
from db.card_watch import CardWatch
from db.session import Database, make_engine
from handlers.builders import BlockKitRenderer
from handlers.builders.training import BlockKitTrainingRenderer
from rubrics.loader import PACKS_DIR, RubricRegistry

log = logging.getLogger(__name__)

__all__ = ["Services", "build_services", "tell"]


def build_services(
    settings: Settings,
    *,
    slack: SlackGateway | None = None,
    db: Database | None = None,
    rubrics: RubricRegistry | None = None,
    clock: Clock = utc_now,
    background: Callable[[Notify], Background] | None = None,
    renderer: Renderer | None = None,
) -> Services:
    slack = slack or _gateway(settings)
    db = db or Database(make_engine(settings.database_url))
    rubrics = rubrics or RubricRegistry.from_directory(Path(settings.rubrics_dir or PACKS_DIR))
    hours = WorkingHours(settings.working_hours_start, settings.working_hours_end, holidays=settings.holiday_calendar)
    people = PeopleHours(hours)
    reminders = _planner(settings, hours, people)
    render = renderer or BlockKitRenderer()
    runner = (background or _metered_background)(partial(tell, slack))
    bus = EventBus(runner)
    cap = settings.weekly_cap
    loops = LoopService(db, slack, rubrics, render, settings, clock, reminders, PeopleService(db, people, cap))
    debrief = DebriefService(db, slack, rubrics, render, clock, reminders, offer_archive=settings.offer_archive)
    votes = VoteService(db, slack, render, clock, hours, settings.timezone, debrief.summary)
    # In the posting's own transaction, not after it: the vote requests are outbox rows.
    debrief.posted_listeners.append(votes.plan)
    debrief.export_parts["sealed_votes"] = votes.export
    pools = PoolService(db, rubrics, settings, clock)
    services = Services(
        settings=settings,
        db=db,
        slack=slack,
        rubrics=rubrics,
        clock=clock,
        background=runner,
        reminders=reminders,
        loops=loops,
        scorecards=ScorecardService(db, slack, rubrics, clock, reminders, settings.timezone),
        dispatcher=ReminderDispatcher(
            db,
            slack,
            rubrics,
            render,
            clock,
            hours,
            settings.timezone,
            events=bus,
            planner=reminders,
            votes=votes,
            zone_of=loops.interviewer_zone,
        ),
        debrief=debrief,
        votes=votes,
        pools=pools,
        suggestions=SuggestionService(db, people, loops.interviewer_zone, settings.timezone, cap, clock),
        **_training(settings, db, slack, rubrics, clock, reminders, pools, debrief),
        **_homes(settings, db, slack, rubrics, clock, render, runner, loops),
        mender=Mender(db, loops, debrief),
    )
    _wire(db, bus, services)
    return services


def _wire(db: Database, bus: EventBus, services: Services) -> None:
    """The subscription table, run once a change has committed; before it commits, the cards
    its events will refresh marked as changed (so that a lost refresh is mended); once it has,
    those cards' kept rows dropped at once, before PostgreSQL's notice comes back; and on
    PostgreSQL, the listener for the notices of changes made anywhere (db/card_watch.py)."""
    bus.table = subscriptions(services)
    card_events = frozenset(
        kind
        for kind, handlers in bus.table.items()
        if any(getattr(handler, "__func__", None) is FollowUps.refresh_card for handler in handlers)
    )
    db.before_commit = mark_cards(card_events)
    cards = services.loops.channel.cards

    def published(recorded: Sequence[object]) -> None:
        for loop_id in cards_changed(card_events, recorded):
            cards.changed(loop_id)
        bus.publish(recorded)

    db.publish = published
    if services.settings.card_cache and db.is_postgresql:
        services.loops.channel.watch = CardWatch(db.engine, cards.changed, cards.listening)


def _gateway(settings: Settings) -> SlackGateway:
    limiter = RateLimiter(messages_per_minute=settings.slack_messages_per_minute)
    return SlackGateway.connect(settings.slack_bot_token or "", settings.slack_api_url, limiter=limiter)


def _homes(
    settings: Settings,
    db: Database,
    slack: SlackGateway,
    rubrics: RubricRegistry,
    clock: Clock,
    render: Renderer,
    runner: Background,
    loops: LoopService,
) -> dict[str, Any]:
    """The App Home: everyone's own part, and the recruiters' dashboard with its load and charts."""
    dashboards, load = DashboardService(db, rubrics, clock), LoadService(db, settings.timezone, settings.weekly_cap)
    homes = HomeService(db, slack, render, dashboards, loops.personal, settings.recruiters, runner, load)
    return {"dashboards": dashboards, "load": load, "homes": homes}


def _training(
    settings: Settings,
    db: Database,
    slack: SlackGateway,
    rubrics: RubricRegistry,
    clock: Clock,
    reminders: ReminderPlanner,
    pools: PoolService,
    debrief: DebriefService,
) -> dict[str, Any]:
    """Shadows' practice scorecards and graduation share one renderer of their DMs."""
    trainees = BlockKitTrainingRenderer()
    graduation = GraduationService(db, slack, rubrics, settings, pools, trainees)
    # In the decision's own transaction: the trainees' comparisons and the offers are outbox rows.
    debrief.decided_listeners.append(graduation.plan)
    return {
        "training": TrainingService(db, slack, rubrics, settings, clock, reminders, trainees),
        "graduation": graduation,
    }


# Threads for the work after the ack, per process. Each competes with the request threads for
# the interpreter lock and the database; under load (make bench-load) 2 follow-up threads served
# more requests than 4 did (252-258 against 228 req/s), and the coalesced refreshes they run
# only drop more duplicates while they wait (bot/events.py). Actions (what a person was acked
# for) have threads of their own, idle under that load, so no refresh backlog delays them, and
# loop set-ups one more, as each sleeps on conversations.create's Tier 2 pace (bot/background.py).
FOLLOW_UP_THREADS = 2
ACTION_THREADS = 2
SETUP_THREADS = 1
BACKGROUND_THREADS = FOLLOW_UP_THREADS + ACTION_THREADS + SETUP_THREADS


def _metered_background(notify: Notify) -> Background:
    return ThreadBackground(
        notify,
        follow_up_workers=FOLLOW_UP_THREADS,
        action_workers=ACTION_THREADS,
        setup_workers=SETUP_THREADS,
        on_depth=metrics.record_background_depth,
    )


def _planner(settings: Settings, hours: WorkingHours, people: PeopleHours) -> ReminderPlanner:
    return ReminderPlanner(
        hours,
        prep_kit_before=timedelta(minutes=settings.prep_kit_minutes),
        first_chaser_after=timedelta(minutes=settings.first_chaser_minutes),
        nudge_before_debrief=timedelta(hours=settings.nudge_hours_before_debrief),
        escalate_after_working_days=settings.escalate_after_days,
        summary_before_debrief=timedelta(minutes=settings.summary_minutes_before_debrief),
        people=people,
    )


def subscriptions(services: Services) -> Subscriptions:
    """What happens after what: every follow-up to a change, in one table.

    The subscribers run after the change has committed (see bot/events.py). Refreshes of the
    card, the pre-read and the Home tab are cosmetic: a failure is logged, or told to the
    person who acted. What a person must receive goes through the outbox: a scorecard's
    receipt, an interview's calendar invites, a decision's announcement, a trainee's notice
    and, after the decision, their comparison and the recruiters' offers are rows there before
    the event is recorded; the pre-read posted at its time and those four are the outbox's own
    deliveries of SummaryDue, DecisionDue, TraineeNoticeDue, ComparisonDue and GraduationOfferDue."""
    then = FollowUps(services)
    board = then.refresh_dashboards  # recruiters' Homes: coalesced, so a burst publishes each once
    return {
        ScorecardSubmitted: [then.post_receipt, then.refresh_card, then.refresh_preread, then.refresh_homes, board],
        InterviewPlanned: [then.invite, then.refresh_card, then.refresh_homes, then.send_invites, board],
        InterviewRescheduled: [then.invite, then.refresh_card, then.refresh_homes, then.send_invites, board],
        InterviewCancelled: [then.refresh_card, then.refresh_homes, then.send_invites, board],
        DebriefScheduled: [then.refresh_card, then.send_invites, board],
        LoopOpened: [board],
        SetupRetried: [then.refresh_actor_home, board],
        WorkingHoursChanged: [then.refresh_actor_home],
        LoopDecided: [then.post_announcement, then.refresh_card, board],
        TraineeAdded: [then.post_trainee_notice],
        ReminderEscalated: [then.refresh_card],
        ReminderFailed: [then.show_failure],
        SummaryDue: [then.post_preread],
        DecisionDue: [then.announce],
        TraineeNoticeDue: [then.tell_trainee],
        ComparisonDue: [then.compare_practice],
        GraduationOfferDue: [then.offer_graduation],
    }


class FollowUps:
    """The subscribers of the table: what one event asks of one service."""

    def __init__(self, services: Services):
        self.loops, self.debrief, self.dispatcher = services.loops, services.debrief, services.dispatcher
        self.training, self.graduation = services.training, services.graduation
        self.homes = services.homes

    # The refreshes read the card, pre-read or Home as it stands when they run, and the outbox
    # sweeps send every due row of their kind: a waiting twin does the same work (bot/events.py).

    @only_for(shows_on_card)  # an edited scorecard leaves the card as it was
    @coalesce(by=lambda event: event.candidate_id)
    def refresh_card(self, event: Any) -> None:
        self.loops.refresh_card(event.candidate_id)

    @coalesce(by=lambda event: event.candidate_id)
    def refresh_preread(self, event: ScorecardSubmitted) -> None:
        self.debrief.refresh_if_posted(event.candidate_id)

    @only_for(lambda event: event.created)  # an edit has no receipt
    @coalesce(by=lambda event: None)
    def post_receipt(self, event: ScorecardSubmitted) -> None:
        # Its row is already in the outbox; post it now rather than at the next sweep.
        self.dispatcher.post_receipts()

    @coalesce(by=lambda event: None)
    def post_announcement(self, event: LoopDecided) -> None:
        # The decision wrote its announcement and DMs to the outbox; they go out now, not at the next sweep.
        self.dispatcher.post_decisions()

    @coalesce(by=lambda event: None)
    def post_trainee_notice(self, event: TraineeAdded) -> None:
        self.dispatcher.post_trainee_notices()

    @coalesce(by=lambda event: None)
    def send_invites(self, event: Any) -> None:
        # The plan change wrote its calendar invites to the outbox; they go out now, not at the next sweep.
        self.dispatcher.post_invites()

    @asks_only  # each person's Home is spaced by a Coalescer of its own (bot/services/homes.py)
    def refresh_homes(self, event: Any) -> None:
        people = [getattr(event, "previous_interviewer_id", None), getattr(event, "interviewer_id", None)]
        self.homes.follow_changes(*(p for p in people if p))

    def refresh_actor_home(self, event: SetupRetried | WorkingHoursChanged) -> None:
        self.homes.refresh_homes(event.actor)

    @asks_only  # the recruiters' Homes are one spaced Coalescer (bot/services/homes.py)
    def refresh_dashboards(self, event: Any) -> None:
        self.homes.refresh_dashboards()

    def invite(self, event: InterviewPlanned | InterviewRescheduled) -> None:
        if getattr(event, "previous_interviewer_id", None) != event.interviewer_id:
            self.loops.invite_interviewer(event.candidate_id, event.channel_id, event.interviewer_id)

    def announce(self, event: DecisionDue) -> None:
        self.debrief.announce_decision(event.candidate_id, event.actor)

    def tell_trainee(self, event: TraineeNoticeDue) -> None:
        self.training.tell_trainee(event)

    def compare_practice(self, event: ComparisonDue) -> None:
        self.graduation.send_comparison(event.interview_id, event.trainee)

    def offer_graduation(self, event: GraduationOfferDue) -> None:
        self.graduation.offer_graduation(event.candidate_id, event.recruiter)

    def show_failure(self, event: ReminderFailed) -> None:
        self.loops.reminder_failed(event.candidate_id, event.user, event.code)

    def post_preread(self, event: SummaryDue) -> None:
        self.debrief.post(event.candidate_id)
