"""The reminder dispatcher: claims due outbox rows and decides what each one means now; the
sending, and recording each outcome, is bot/services/delivery.py's.

Two schedulers on one database are safe: rows are claimed atomically (bot/services/outbox.py);
right before each send the sweep checks, in its own short transaction, that the rows and the
person are still its own (a fence), renewing its lease as it does; a sweep that outlived its
lease finds them taken and sends nothing. One person gets at most one reminder DM per 15
minutes, whichever worker and whichever rows: the person is held in the same transaction as
the decision to DM them. The one case that can repeat a message is a process killed between
Slack's answer and recording it; a repeated DM then comes no sooner than 15 minutes later.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from datetime import datetime
from functools import partial
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, object_session, selectinload

from bot.clock import Clock
from bot.events import (
    ComparisonDue,
    DecisionDue,
    GraduationOfferDue,
    NoEvents,
    Publisher,
    SummaryDue,
    TraineeNoticeDue,
)
from bot.mrkdwn import escape, mention
from bot.services import notices
from bot.services.delivery import OutboxSender
from bot.services.invite_sending import InviteSender
from bot.services.outbox import DM_SPACING, claim, hold, next_due
from bot.services.outgoing import RANK, Loaded, Outgoing, SweepStats, absorb, personal_nudge
from bot.services.ports import Gateway, Message, PendingScorecard, Renderer, ScorecardReminder
from bot.services.reminders import INVITE_KINDS, ReminderPlanner, interview_end
from bot.services.vote_rules import VOTE_KINDS
from bot.services.votes import VoteService
from bot.services.workhours import WorkingHours
from db.models import Candidate, Interview, InterviewStatus, LoopStatus, Reminder, ReminderKind, ReminderStatus
from db.session import Database
from rubrics.loader import RubricRegistry

log = logging.getLogger(__name__)

SCORECARD_KINDS = (ReminderKind.SCORECARD_DUE, ReminderKind.CHASER)
# Held back to their person's working hours, which are read for them alone.
IN_THEIR_HOURS = frozenset((*SCORECARD_KINDS, ReminderKind.ESCALATION))
# Routed on their own interview and its loop's status: the loop's other interviews and its
# debrief are not read for them. A receipt sweep follows every first scorecard.
OWN_INTERVIEW_ONLY = frozenset({ReminderKind.RECEIPT})

# Rows sent by an event's subscribers (bot/bootstrap.py's table), which render and post them.
AS_EVENTS: dict[ReminderKind, Callable[[Reminder], object]] = {
    ReminderKind.DEBRIEF_SUMMARY: lambda row: SummaryDue(row.candidate_id),
    ReminderKind.DECISION: lambda row: DecisionDue(row.candidate_id, row.target_user_id),
    ReminderKind.TRAINEE_NOTICE: lambda row: TraineeNoticeDue(row.interview_id, row.target_user_id),  # type: ignore[arg-type]
    ReminderKind.PRACTICE_COMPARISON: lambda row: ComparisonDue(row.interview_id, row.target_user_id),  # type: ignore[arg-type]
    ReminderKind.GRADUATION_OFFER: lambda row: GraduationOfferDue(row.candidate_id, row.target_user_id),
}

# Written with a decision: the only rows a decided loop still sends.
AFTER_DECISION = (ReminderKind.DECISION, ReminderKind.PRACTICE_COMPARISON, ReminderKind.GRADUATION_OFFER)


class ReminderDispatcher:
    def __init__(  # noqa: PLR0913
        self,
        db: Database,
        slack: Gateway,
        rubrics: RubricRegistry,
        render: Renderer,
        clock: Clock,
        hours: WorkingHours,
        zone: str,
        events: Publisher | None = None,
        planner: ReminderPlanner | None = None,
        votes: VoteService | None = None,
        zone_of: Callable[[str], str] | None = None,
    ):
        self.db = db
        self.slack = slack
        self.rubrics = rubrics
        self.render = render
        self.clock = clock
        self.hours = hours
        self.zone = zone
        self.events: Publisher = events or NoEvents()
        self.planner = planner or ReminderPlanner(hours)
        self.votes = votes
        self.invites = InviteSender(slack, rubrics, clock, zone)
        self.people = self.planner.people
        # A recruiter's own zone (their Slack profile's), for escalations; the workspace's if unknown.
        self.zone_of = zone_of or (lambda user: self.zone)

    # One sweep

    def sweep(self, kinds: tuple[ReminderKind, ...] | None = None) -> SweepStats:
        stats = SweepStats()
        now = self.clock()
        token = claim(self.db, now, kinds=kinds)
        if token is None:
            return stats
        with self.db.transaction() as session:
            rows = session.scalars(
                select(Reminder).where(Reminder.claim_token == token, Reminder.status == ReminderStatus.SENDING)
            ).all()
            stats.claimed = len(rows)
            outgoing = self._space(session, token, self._decide(session, list(rows), now, stats), now, stats)
        # Built per sweep, from what the dispatcher holds now (tests swap its Slack and clock).
        OutboxSender(self.db, self.slack, self.clock, self.events).send(token, outgoing, stats, renewed=now)
        log.info("reminder sweep: %s", stats)
        return stats

    def due_in(self) -> float | None:
        """Seconds until the next pending row falls due (0 when one is due now); None when none is pending."""
        at = next_due(self.db)
        return None if at is None else max(0.0, (at - self.clock()).total_seconds())

    def post_receipts(self) -> SweepStats:
        """Right after a submission: its receipt now, not at the next sweep (which retries it if Slack is down)."""
        return self.sweep(kinds=(ReminderKind.RECEIPT,))

    def post_decisions(self) -> SweepStats:
        """Right after a decision: its announcement, the trainees' comparisons and the recruiters'
        offers now (the next sweep retries any Slack refused for the moment)."""
        return self.sweep(kinds=AFTER_DECISION)

    def post_trainee_notices(self) -> SweepStats:
        """Right after a trainee joined an interview: their DM now (the next sweep retries it)."""
        return self.sweep(kinds=(ReminderKind.TRAINEE_NOTICE,))

    def post_invites(self) -> SweepStats:
        """Right after a plan changed: its calendar invites now (the next sweep retries any that fail)."""
        return self.sweep(kinds=INVITE_KINDS)

    # Deciding what each claimed row means now

    def _decide(self, session: Session, rows: list[Reminder], now: datetime, stats: SweepStats) -> list[Outgoing]:
        whole_loops = any(r.kind not in OWN_INTERVIEW_ONLY for r in rows)
        loops = (selectinload(Candidate.interviews).selectinload(Interview.scorecard), selectinload(Candidate.debrief))
        # The loops first: each interview's own loop is then found among them, not read again.
        candidates = _load(session, Candidate, {r.candidate_id for r in rows}, *(loops if whole_loops else ()))
        interviews = _load(
            session, Interview, {r.interview_id for r in rows if r.interview_id}, selectinload(Interview.scorecard)
        )
        loaded = Loaded(interviews, candidates)
        loaded.hours.update(self.people.load(session, {r.target_user_id for r in rows if r.kind in IN_THEIR_HOURS}))
        outgoing: list[Outgoing] = []
        for row in sorted(rows, key=lambda r: (r.due_at, r.id)):
            # A decision's rows on their own: the decision closed the loop, which expires every other kind.
            route = self._route_decided if row.kind in AFTER_DECISION else self._route
            outgoing.extend(route(row, loaded, now, stats))
        for user, user_rows in loaded.scorecard_rows.items():
            hours = loaded.hours[user]
            outgoing.append(self._scorecard_message(user, user_rows, loaded.interviews, now, stats, hours))
        return outgoing

    def _route(self, row: Reminder, loaded: Loaded, now: datetime, stats: SweepStats) -> list[Outgoing]:
        candidate = loaded.candidates.get(row.candidate_id)
        interview = loaded.interviews.get(row.interview_id) if row.interview_id else None
        if candidate is None or candidate.status is not LoopStatus.OPEN:
            stats.finish(row, ReminderStatus.EXPIRED, "loop closed")
        elif row.kind in INVITE_KINDS:  # before the cancelled check: a cancellation is an invite too
            return self.invites.route(row, candidate, interview, stats)
        elif interview is not None and interview.status is InterviewStatus.CANCELLED:
            stats.finish(row, ReminderStatus.CANCELLED, "interview cancelled")
        elif row.kind is ReminderKind.PREP_KIT:
            return self._route_prep_kit(row, interview, now, stats)  # type: ignore[arg-type]
        elif row.kind in SCORECARD_KINDS or row.kind is ReminderKind.ESCALATION:
            return self._route_overdue(row, interview, loaded, now, stats)  # type: ignore[arg-type]
        elif row.kind in (ReminderKind.DEBRIEF_SUMMARY, ReminderKind.PRE_DEBRIEF_NUDGE) and (
            candidate.debrief is None or now >= candidate.debrief.scheduled_at
        ):
            stats.finish(row, ReminderStatus.EXPIRED, "debrief already held")
        elif row.kind in AS_EVENTS:
            return self._as_event(row, row.target_user_id, stats)
        elif row.kind is ReminderKind.PRE_DEBRIEF_NUDGE:
            nudges = self._nudges(row, candidate, now)
            if not nudges:
                stats.finish(row, ReminderStatus.EXPIRED, "every scorecard is in")
            return nudges
        elif row.kind is ReminderKind.RECEIPT and interview is not None:
            return [self._receipt(row, interview)]
        elif row.kind in VOTE_KINDS and self.votes is not None:
            return self._route_vote(self.votes, row, candidate, now, stats)
        else:
            stats.finish(row, ReminderStatus.FAILED, f"no sender for {row.kind.value}")
        return []

    def _route_decided(self, row: Reminder, loaded: Loaded, _now: datetime, stats: SweepStats) -> list[Outgoing]:
        candidate = loaded.candidates.get(row.candidate_id)
        if candidate is None or candidate.status is not LoopStatus.DECIDED:
            stats.finish(row, ReminderStatus.EXPIRED, "no decision")
            return []
        if row.kind is not ReminderKind.DECISION:  # a DM
            return self._as_event(row, row.target_user_id, stats)
        if candidate.channel_id is None:
            stats.finish(row, ReminderStatus.EXPIRED, "no channel to announce the decision in")
            return []
        return self._as_event(row, candidate.channel_id, stats)

    def _as_event(self, row: Reminder, to: str, stats: SweepStats) -> list[Outgoing]:
        """A row whose sending is its event's subscribers, run by the sweep (EventBus.deliver)."""
        event = AS_EVENTS[row.kind](row)
        if not self.events.handles(type(event)):
            stats.finish(row, ReminderStatus.FAILED, f"no sender for {row.kind.value}")
            return []
        action = partial(self.events.deliver, event)
        return [Outgoing(to, None, [row.id], row.candidate_id, row.kind, action=action)]

    @staticmethod
    def _route_vote(
        votes: VoteService, row: Reminder, candidate: Candidate, now: datetime, stats: SweepStats
    ) -> list[Outgoing]:
        """Sealed votes decide for themselves (bot/services/votes.py): ask, nudge, or reveal."""
        step = votes.step(object_session(row), row, candidate, now)  # type: ignore[arg-type]
        if step.expire:
            stats.finish(row, ReminderStatus.EXPIRED, step.expire)
        elif step.defer_until:
            stats.defer(row, step.defer_until)
        else:
            return [Outgoing(row.target_user_id, step.message, [row.id], candidate.id, row.kind, action=step.action)]
        return []

    def _route_prep_kit(self, row: Reminder, interview: Interview, now: datetime, stats: SweepStats) -> list[Outgoing]:
        if now >= interview_end(interview):
            stats.finish(row, ReminderStatus.EXPIRED, "interview already over")
            return []
        try:
            kit = notices.prep_kit(row.id, interview, self.rubrics.get(interview.candidate.pack), row.target_user_id)
        except KeyError:  # the stage left the rubric YAML after the interview was planned
            stats.finish(row, ReminderStatus.FAILED, "stage no longer in the rubric")
            return []
        message = self.render.prep_kit(kit)
        return [Outgoing(row.target_user_id, message, [row.id], interview.candidate_id, row.kind)]

    def _route_overdue(
        self, row: Reminder, interview: Interview, loaded: Loaded, now: datetime, stats: SweepStats
    ) -> list[Outgoing]:
        if interview.scorecard is not None:
            stats.finish(row, ReminderStatus.EXPIRED, "scorecard already in")
            return []
        # The hours and calendar of the person this goes to: the interviewer, or for an escalation the recruiter.
        hours = loaded.hours[row.target_user_id]
        zone = interview.timezone if row.kind in SCORECARD_KINDS else self.zone_of(row.target_user_id)
        if not hours.contains(now, zone):
            at = hours.chaser_at if row.kind is ReminderKind.CHASER else None
            stats.defer(row, hours.next_open(now, zone, at=at))
            return []
        if row.kind is ReminderKind.ESCALATION:
            escalation = notices.escalation(interview, self.rubrics.get(interview.candidate.pack), zone)
            message = self.render.escalation(escalation)
            return [Outgoing(row.target_user_id, message, [row.id], interview.candidate_id, row.kind)]
        loaded.scorecard_rows[row.target_user_id].append(row)
        return []

    def _space(
        self, session: Session, token: str, outgoing: list[Outgoing], now: datetime, stats: SweepStats
    ) -> list[Outgoing]:
        """At most one DM per person: hold each person, keep their first DM, and postpone the rest.

        People are held in id order, so two sweeps wanting the same people never wait on each
        other in a cycle (PostgreSQL row locks).
        """
        kept = [item for item in outgoing if item.person is None]
        by_person: dict[str, list[Outgoing]] = defaultdict(list)
        for item in outgoing:
            if item.person is not None:
                by_person[item.person].append(item)
        for person in sorted(by_person):
            items = sorted(by_person[person], key=lambda item: RANK.get(item.kind, 1))
            busy_until = hold(session, person, token, now)
            if busy_until is None:
                kept.append(items[0])
                items, busy_until = absorb(items[0], items[1:]), now + DM_SPACING
            for item in items:
                if item.postpone is not None:
                    item.postpone(session, busy_until)
                    continue
                for row_id in item.row_ids:
                    stats.defer(session.get_one(Reminder, row_id), busy_until)
        return kept

    # Building what to send

    def _pending(self, interview: Interview, now: datetime) -> PendingScorecard:
        return notices.pending(interview, self.rubrics.get(interview.candidate.pack), now)

    def _receipt(self, row: Reminder, interview: Interview) -> Outgoing:
        """Who submitted which stage, in the candidate channel: no scores, flags or notes."""
        stage = escape(self.rubrics.get(interview.candidate.pack).stage_name(interview.stage_key))
        # The scorecard's own author: the interview's interviewer could in principle have moved.
        author = interview.scorecard.interviewer_id if interview.scorecard else interview.interviewer_id
        text = f"✅ {mention(author)} submitted the {stage} scorecard"
        return Outgoing(row.target_user_id, Message(text), [row.id], interview.candidate_id, row.kind)

    def _scorecard_message(
        self,
        user: str,
        rows: list[Reminder],
        interviews: dict[int, Interview],
        now: datetime,
        stats: SweepStats,
        hours: WorkingHours,
    ) -> Outgoing:
        """Due notices and chasers for one person: one message, however many are due.

        Several chasers for one interview (after downtime) collapse into one; several
        interviews become a digest.
        """
        by_interview: dict[int, list[Reminder]] = defaultdict(list)
        for row in rows:
            by_interview[row.interview_id].append(row)  # type: ignore[index]
        kept: list[Reminder] = []
        for group in by_interview.values():
            group.sort(key=lambda r: r.due_at)
            kept.append(group[-1])
            for stale in group[:-1]:
                stats.finish(stale, ReminderStatus.EXPIRED, "collapsed into a later reminder")
        items = [self._pending(interviews[r.interview_id], now) for r in kept]  # type: ignore[index]
        if len(kept) > 1:
            kind = "digest"
        else:
            kind = "chaser" if kept[0].kind is ReminderKind.CHASER else "due"
        first = kept[0]
        zone = interviews[first.interview_id].timezone  # type: ignore[index]
        message = self.render.scorecard_reminder(ScorecardReminder(first.id, kind, items, zone))
        chasers = [interviews[r.interview_id] for r in kept]  # type: ignore[index]
        candidate_id = interviews[first.interview_id].candidate_id  # type: ignore[index]
        # While the scorecard is missing, chase again the next working day at chaser time, their time.
        nexts = {i: hours.next_working_day_at(now, i.timezone, hours.chaser_at) for i in chasers}
        after_send: list[Callable[[Session], None]] = [partial(self.planner.chase_next, due=nexts)]
        covers = frozenset(i.id for i in chasers)
        return Outgoing(
            user, message, [r.id for r in kept], candidate_id, ReminderKind.CHASER, after_send, covers=covers
        )

    def _nudges(self, row: Reminder, candidate: Candidate, now: datetime) -> list[Outgoing]:
        """One DM to each interviewer still missing a scorecard (only the row's person, for a personal row)."""
        missing: dict[str, list[Interview]] = defaultdict(list)
        for interview in candidate.interviews:
            if (
                interview.status is InterviewStatus.SCHEDULED
                and interview.scorecard is None
                and interview.starts_at <= now
                and (row.interview_id is None or interview.interviewer_id == row.target_user_id)
            ):
                missing[interview.interviewer_id].append(interview)
        out = []
        for user, pending in missing.items():
            items = [self._pending(i, now) for i in pending]
            message = self.render.scorecard_reminder(ScorecardReminder(row.id, "nudge", items, pending[0].timezone))
            item = Outgoing(user, message, [row.id], candidate.id, row.kind, covers=frozenset(i.id for i in pending))
            if row.interview_id is None:
                # The row is shared by everyone nudged: one who must wait gets a row of their own.
                item.postpone = partial(personal_nudge, row, user, pending[0].id)
            out.append(item)
        return out


def _load(session: Session, model: Any, ids: set[int], *options: Any) -> dict:
    if not ids:
        return {}
    return {obj.id: obj for obj in session.scalars(select(model).where(model.id.in_(ids)).options(*options))}
