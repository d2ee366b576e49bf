"""The reminder dispatcher: claims due outbox rows, decides what each one means now, sends
through the gateway, and records the outcome.

Exactly once: rows are claimed atomically (bot/services/outbox.py), so two schedulers
never take the same row. A row claimed by a process that died is claimable again once its
lease lapses; that rare case can repeat one DM, and is the only one.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial

from sqlalchemy import select, update
from sqlalchemy.orm import Session, selectinload

from bot.clock import Clock
from bot.errors import SlackError, SlackRateLimited, SlackTransientError
from bot.services import notices
from bot.services.outbox import claim
from bot.services.ports import Gateway, Message, PendingScorecard, Renderer, ScorecardReminder
from bot.services.reminders import CHASER_AT, ReminderPlanner, interview_end
from bot.services.vote_rules import VOTE_KINDS
from bot.services.votes import VoteService
from bot.services.workhours import WorkingHours
from db.models import Candidate, Interview, InterviewStatus, LoopStatus, Reminder, ReminderKind, ReminderStatus
from db.session import Database
from rubrics.loader import RubricRegistry

log = logging.getLogger(__name__)

DM_SPACING = timedelta(minutes=15)
MAX_ATTEMPTS = 5
SCORECARD_KINDS = (ReminderKind.SCORECARD_DUE, ReminderKind.CHASER)
DM_KINDS = (ReminderKind.PREP_KIT, ReminderKind.SCORECARD_DUE, ReminderKind.CHASER, ReminderKind.ESCALATION)


@dataclass
class SweepStats:
    claimed: int = 0
    sent: int = 0
    expired: int = 0
    deferred: int = 0
    retried: int = 0
    failed: int = 0


@dataclass
class _Outgoing:
    """One message to one person (or, for the debrief summary, one posting), for one or more rows."""

    user: str
    message: Message | None
    row_ids: list[int]
    candidate_id: int
    after_send: list[Callable[[Session], None]] = field(default_factory=list)
    action: Callable[[], object] | None = None  # instead of a DM


class ReminderDispatcher:
    def __init__(
        self,
        db: Database,
        slack: Gateway,
        rubrics: RubricRegistry,
        render: Renderer,
        clock: Clock,
        hours: WorkingHours,
        zone: str,
        on_escalation: Callable[[int], None] | None = None,
        on_failure: Callable[[int, str, str], None] | None = None,
        on_summary_due: Callable[[int], object] | None = None,
        planner: ReminderPlanner | None = None,
        votes: VoteService | None = None,
    ):
        self.db = db
        self.slack = slack
        self.rubrics = rubrics
        self.render = render
        self.clock = clock
        self.hours = hours
        self.zone = zone
        self.on_escalation = on_escalation or (lambda candidate_id: None)
        self.on_failure = on_failure or (lambda candidate_id, user, code: None)
        self.on_summary_due = on_summary_due
        self.planner = planner or ReminderPlanner(hours)
        self.votes = votes

    # One sweep

    def sweep(self) -> SweepStats:
        stats = SweepStats()
        now = self.clock()
        token = claim(self.db, now)
        if token is None:
            return stats
        with self.db.transaction() as session:
            rows = session.scalars(
                select(Reminder).where(Reminder.claim_token == token, Reminder.status == ReminderStatus.SENDING)
            ).all()
            stats.claimed = len(rows)
            outgoing = self._decide(session, rows, now, stats)
        self._send(outgoing, now, stats)
        log.info("reminder sweep: %s", stats)
        return stats

    def _decide(self, session: Session, rows: list[Reminder], now: datetime, stats: SweepStats) -> list[_Outgoing]:
        interviews = _load(
            session,
            Interview,
            {r.interview_id for r in rows if r.interview_id},
            selectinload(Interview.candidate),
            selectinload(Interview.scorecard),
        )
        candidates = _load(
            session,
            Candidate,
            {r.candidate_id for r in rows},
            selectinload(Candidate.interviews).selectinload(Interview.scorecard),
            selectinload(Candidate.debrief),
        )
        last_dm = self._last_dm(session, {r.target_user_id for r in rows})
        outgoing: list[_Outgoing] = []
        scorecard_rows: dict[str, list[Reminder]] = defaultdict(list)

        def finish(row: Reminder, status: ReminderStatus, why: str | None = None) -> None:
            row.status, row.claim_token, row.claimed_until = status, None, None
            row.last_error = why
            if status is ReminderStatus.EXPIRED:
                stats.expired += 1
            elif status is ReminderStatus.FAILED:
                stats.failed += 1
                log.warning("reminder %d failed: %s", row.id, why)

        def defer(row: Reminder, until: datetime) -> None:
            row.status, row.due_at, row.claim_token, row.claimed_until = ReminderStatus.PENDING, until, None, None
            stats.deferred += 1

        for row in sorted(rows, key=lambda r: (r.due_at, r.id)):
            candidate = candidates.get(row.candidate_id)
            interview = interviews.get(row.interview_id) if row.interview_id else None
            if candidate is None or candidate.status is not LoopStatus.OPEN:
                finish(row, ReminderStatus.EXPIRED, "loop closed")
                continue
            if interview is not None and interview.status is InterviewStatus.CANCELLED:
                finish(row, ReminderStatus.CANCELLED, "interview cancelled")
                continue
            spacing = last_dm.get(row.target_user_id)
            if row.kind in DM_KINDS and spacing and now < spacing + DM_SPACING:
                defer(row, spacing + DM_SPACING)
                continue
            if row.kind is ReminderKind.PREP_KIT:
                assert interview is not None
                if now >= interview_end(interview):
                    finish(row, ReminderStatus.EXPIRED, "interview already over")
                    continue
                try:
                    outgoing.append(self._prep_kit(row, interview))
                except KeyError:  # the stage left the rubric YAML after the interview was planned
                    finish(row, ReminderStatus.FAILED, "stage no longer in the rubric")
            elif row.kind in SCORECARD_KINDS or row.kind is ReminderKind.ESCALATION:
                assert interview is not None
                if interview.scorecard is not None:
                    finish(row, ReminderStatus.EXPIRED, "scorecard already in")
                    continue
                zone = interview.timezone if row.kind in SCORECARD_KINDS else self.zone
                if not self.hours.contains(now, zone):
                    at = CHASER_AT if row.kind is ReminderKind.CHASER else None
                    defer(row, self.hours.next_open(now, zone, at=at))
                    continue
                if row.kind is ReminderKind.ESCALATION:
                    outgoing.append(self._escalation(row, interview))
                else:
                    scorecard_rows[row.target_user_id].append(row)
            elif row.kind is ReminderKind.DEBRIEF_SUMMARY and self.on_summary_due is not None:
                if candidate.debrief is None or now >= candidate.debrief.scheduled_at:
                    finish(row, ReminderStatus.EXPIRED, "debrief already held")
                    continue
                outgoing.append(
                    _Outgoing(
                        row.target_user_id,
                        None,
                        [row.id],
                        candidate.id,
                        action=partial(self.on_summary_due, candidate.id),
                    )
                )
            elif row.kind is ReminderKind.PRE_DEBRIEF_NUDGE:
                if candidate.debrief is None or now >= candidate.debrief.scheduled_at:
                    finish(row, ReminderStatus.EXPIRED, "debrief already held")
                    continue
                nudges = self._nudges(row, candidate, now)
                if not nudges:
                    finish(row, ReminderStatus.EXPIRED, "every scorecard is in")
                outgoing.extend(nudges)
            elif row.kind in VOTE_KINDS and self.votes is not None:
                step = self.votes.step(session, row, candidate, now)
                if step.expire:
                    finish(row, ReminderStatus.EXPIRED, step.expire)
                elif step.defer_until:
                    defer(row, step.defer_until)
                else:
                    outgoing.append(
                        _Outgoing(row.target_user_id, step.message, [row.id], candidate.id, action=step.action)
                    )
            else:
                finish(row, ReminderStatus.FAILED, f"no sender for {row.kind.value}")
        for user, user_rows in scorecard_rows.items():
            outgoing.append(self._scorecard_message(user, user_rows, interviews, now, finish))
        return outgoing

    def _last_dm(self, session: Session, users: set[str]) -> dict[str, datetime]:
        rows = session.execute(
            select(Reminder.target_user_id, Reminder.sent_at).where(
                Reminder.target_user_id.in_(users),
                Reminder.status == ReminderStatus.SENT,
                Reminder.kind.in_(DM_KINDS),
                Reminder.sent_at > self.clock() - DM_SPACING,
            )
        ).all()
        latest: dict[str, datetime] = {}
        for user, sent_at in rows:
            latest[user] = max(sent_at, latest.get(user, sent_at))
        return latest

    # Building what to send

    def _prep_kit(self, row: Reminder, interview: Interview) -> _Outgoing:
        kit = notices.prep_kit(row.id, interview, self.rubrics.get(interview.candidate.pack))
        return _Outgoing(row.target_user_id, self.render.prep_kit(kit), [row.id], interview.candidate_id)

    def _pending(self, interview: Interview, now: datetime) -> PendingScorecard:
        return notices.pending(interview, self.rubrics.get(interview.candidate.pack), now)

    def _escalation(self, row: Reminder, interview: Interview) -> _Outgoing:
        escalation = notices.escalation(interview, self.rubrics.get(interview.candidate.pack), self.zone)
        return _Outgoing(row.target_user_id, self.render.escalation(escalation), [row.id], interview.candidate_id)

    def _scorecard_message(
        self,
        user: str,
        rows: list[Reminder],
        interviews: dict[int, Interview],
        now: datetime,
        finish: Callable[..., None],
    ) -> _Outgoing:
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
                finish(stale, ReminderStatus.EXPIRED, "collapsed into a later reminder")
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
        return _Outgoing(
            user,
            message,
            [r.id for r in kept],
            candidate_id,
            # While the scorecard is missing, chase again the next working day at 09:30, their time.
            after_send=[
                lambda s, i=i: self.planner.chase_at(
                    s, i, self.hours.next_working_day_at(now, i.timezone, CHASER_AT), keep_existing=True
                )
                for i in chasers
            ],
        )

    def _nudges(self, row: Reminder, candidate: Candidate, now: datetime) -> list[_Outgoing]:
        missing: dict[str, list[Interview]] = defaultdict(list)
        for interview in candidate.interviews:
            if (
                interview.status is InterviewStatus.SCHEDULED
                and interview.scorecard is None
                and interview.starts_at <= now
            ):
                missing[interview.interviewer_id].append(interview)
        out = []
        for user, pending in missing.items():
            items = [self._pending(i, now) for i in pending]
            message = self.render.scorecard_reminder(ScorecardReminder(row.id, "nudge", items, pending[0].timezone))
            out.append(_Outgoing(user, message, [row.id], candidate.id))
        return out

    # Sending and recording

    def _send(self, outgoing: list[_Outgoing], now: datetime, stats: SweepStats) -> None:
        rate_limited: SlackRateLimited | None = None
        escalated: set[int] = set()
        for item in outgoing:
            if rate_limited is not None:
                self._retry(item.row_ids, now + timedelta(seconds=rate_limited.retry_after), stats, count=False)
                continue
            try:
                if item.action is not None:
                    item.action()
                elif item.message is not None:
                    self.slack.post_message(item.user, item.message.text, item.message.blocks)
            except SlackRateLimited as exc:
                rate_limited = exc
                self._retry(item.row_ids, now + timedelta(seconds=exc.retry_after), stats)
                continue
            except SlackTransientError as exc:
                self._retry(item.row_ids, None, stats, error=exc.code)
                continue
            except SlackError as exc:
                log.warning("reminder to %s failed for good: %s", item.user, exc.code)
                self._fail(item.row_ids, exc.code, stats)
                self.on_failure(item.candidate_id, item.user, exc.code)
                continue
            with self.db.transaction() as session:
                for row in session.scalars(select(Reminder).where(Reminder.id.in_(item.row_ids))):
                    if row.status is ReminderStatus.SENDING:
                        row.status, row.sent_at, row.claim_token, row.claimed_until = (
                            ReminderStatus.SENT,
                            now,
                            None,
                            None,
                        )
                        row.attempts += 1
                        if row.kind is ReminderKind.ESCALATION:
                            escalated.add(row.candidate_id)
                for hook in item.after_send:
                    hook(session)
            stats.sent += 1
        for candidate_id in escalated:
            self.on_escalation(candidate_id)

    def _retry(
        self, row_ids: list[int], at: datetime | None, stats: SweepStats, error: str = "ratelimited", count: bool = True
    ) -> None:
        now = self.clock()
        with self.db.transaction() as session:
            for row in session.scalars(select(Reminder).where(Reminder.id.in_(row_ids))):
                if row.status is not ReminderStatus.SENDING:
                    continue
                if count:
                    row.attempts += 1
                row.claim_token, row.claimed_until, row.last_error = None, None, error
                if row.attempts >= MAX_ATTEMPTS and at is None:
                    row.status = ReminderStatus.FAILED
                    log.error("reminder %d failed after %d attempts: %s", row.id, row.attempts, error)
                    stats.failed += 1
                    continue
                backoff = timedelta(seconds=min(30 * 2**row.attempts, 3600))
                row.status, row.due_at = ReminderStatus.PENDING, at or now + backoff
                stats.retried += 1

    def _fail(self, row_ids: list[int], code: str, stats: SweepStats) -> None:
        with self.db.transaction() as session:
            session.execute(
                update(Reminder)
                .where(Reminder.id.in_(row_ids), Reminder.status == ReminderStatus.SENDING)
                .values(status=ReminderStatus.FAILED, last_error=code, claim_token=None, claimed_until=None)
            )
        stats.failed += len(row_ids)


def _load(session: Session, model: type, ids: set[int], *options: object) -> dict:
    if not ids:
        return {}
    return {obj.id: obj for obj in session.scalars(select(model).where(model.id.in_(ids)).options(*options))}
