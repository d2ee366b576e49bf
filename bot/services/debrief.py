"""The debrief: posting the pre-read (once, then edited in place), the decision, and the end
of a loop's data (export for an ATS, purge for retention)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, delete, func, select
from sqlalchemy.orm import Session, selectinload

from bot.clock import Clock
from bot.errors import InvalidInput
from bot.events import LoopDecided, record
from bot.fields import Field
from bot.mrkdwn import command
from bot.services import panel_stats, queries
from bot.services.checks import text_problems
from bot.services.decision_rule import RuleOutcome, against_rule
from bot.services.ports import Gateway, Override, PreReadChange, Renderer, SlackImage
from bot.services.pre_read_pictures import PreReadPictures
from bot.services.reminders import ReminderPlanner, interview_end
from bot.services.summary import CardInput, ExpectedInput, LoopInput, Summary, summarize
from db.models import (
    AuditEvent,
    Candidate,
    CardChange,
    Debrief,
    Decision,
    Interview,
    InterviewStatus,
    LoopStatus,
    Reminder,
    Scorecard,
    SealedVote,
    TeamMember,
)
from db.session import Database
from rubrics.loader import RubricRegistry
from rubrics.models import Recommendation, RubricPack

log = logging.getLogger(__name__)

# Whether a loop's pre-read has been posted (refresh_if_posted's first question).
_POSTED = select(Debrief.id).where(Debrief.candidate_id == bindparam("candidate_id"), Debrief.summary_ts.is_not(None))

OVERRIDE_MAX = 3000


class DebriefService:
    def __init__(
        self,
        db: Database,
        slack: Gateway,
        rubrics: RubricRegistry,
        render: Renderer,
        clock: Clock,
        reminders: ReminderPlanner,
        offer_archive: bool = True,
    ):
        self.db = db
        self.slack = slack
        self.rubrics = rubrics
        self.render = render
        self.clock = clock
        self.offer_archive = offer_archive
        self.reminders = reminders
        self.pictures = PreReadPictures(slack, render)  # the heat map, uploaded and replaced with the pre-read
        # Called in the transaction that records a posting of the pre-read (sealed votes plan their DMs).
        self.posted_listeners: list[Callable[[Session, int], None]] = []
        # Called in the decision's transaction (training plans its DMs: they are outbox rows too).
        self.decided_listeners: list[Callable[[Session, int], None]] = []
        # Extra sections of the export, each read in the export's transaction.
        self.export_parts: dict[str, Callable[[Session, int], Any]] = {}

    # The pre-read

    def summary(self, candidate_id: int) -> Summary:
        with self.db.transaction() as session:
            candidate = _load(session, candidate_id)
            return summarize(self._input(session, candidate), self.rubrics.get(candidate.pack))

    def _input(self, session: Session, candidate: Candidate) -> LoopInput:
        interviews = [i for i in candidate.interviews if i.status is InterviewStatus.SCHEDULED]
        cards = [
            CardInput(
                interviewer_id=i.scorecard.interviewer_id,
                stage_key=i.stage_key,
                recommendation=Recommendation(i.scorecard.recommendation),
                ratings={r.competency_key: r.rating for r in i.scorecard.ratings},
                flags={f.flag_key: (f.flag_label, f.evidence) for f in i.scorecard.red_flags},
                amendments=i.scorecard.amendments,
                evidence={r.competency_key: r.evidence for r in i.scorecard.ratings if r.evidence},
                impressions=sum(1 for r in i.scorecard.ratings if r.impression),
            )
            for i in interviews
            if i.scorecard is not None
        ]
        expected = [
            ExpectedInput(i.interviewer_id, i.stage_key, interview_end(i), i.scorecard is not None) for i in interviews
        ]
        panel = {c.interviewer_id for c in cards}
        return LoopInput(
            candidate_name=candidate.name,
            profile_key=candidate.profile,
            opened_at=candidate.created_at,
            now=self.clock(),
            cards=cards,
            expected=expected,
            history=panel_stats.history(session, panel, exclude_candidate=candidate.id),
            reliability=panel_stats.reliability(session, self.rubrics.get(candidate.pack)),
        )

    def check_can_run(self, candidate_id: int, user_id: str) -> None:
        with self.db.transaction() as session:
            self.ensure_can_run(queries.candidate(session, candidate_id), user_id)

    @staticmethod
    def ensure_can_run(candidate: Candidate, user_id: str) -> None:
        queries.ensure_runs_loop(candidate, user_id, "run its debrief")

    def post(self, candidate_id: int, actor: str | None = None) -> str:
        """Post the pre-read, or refresh it in place if it is already posted. Returns its ts."""
        with self.db.transaction() as session:
            candidate = _load(session, candidate_id)
            if actor is not None:
                self.ensure_can_run(candidate, actor)
            if candidate.status is not LoopStatus.OPEN:
                raise InvalidInput({Field.SUMMARY: "This loop is closed."})
            summary = summarize(self._input(session, candidate), self.rubrics.get(candidate.pack))
            debrief = candidate.debrief
            if debrief is None:  # posted on demand before a debrief time was set
                debrief = candidate.debrief = Debrief(scheduled_at=self.clock())
            pack = self.rubrics.get(candidate.pack)
            changes = _changes(debrief.summarised, candidate, pack) if debrief.summary_ts else []
            snapshot = _snapshot(candidate)
            channel, posted, old_picture = candidate.channel_id, debrief.summary_ts, debrief.picture_file_id
        if channel is None:
            raise InvalidInput({Field.SUMMARY: "This loop has no channel to post in."})

        def send(picture: SlackImage | None) -> str:
            message = self.render.debrief(summary, candidate_id, changes, picture)
            if posted:
                self.slack.update_message(channel, posted, message.text, message.blocks)
                return posted
            return self.slack.post_message(channel, message.text, message.blocks)

        ts, picture = self.pictures.publish(summary, old_picture, send)
        with self.db.transaction() as session:
            debrief = session.scalars(select(Debrief).where(Debrief.candidate_id == candidate_id)).one()
            debrief.summary_ts, debrief.summarised, debrief.picture_file_id = ts, snapshot, picture
            debrief.posted_at = debrief.posted_at or self.clock()
            session.add(queries.audit(actor, "debrief.summary_posted", candidate_id, {"scorecards": len(snapshot)}))
            for listener in self.posted_listeners:
                listener(session, candidate_id)
        return ts

    def refresh_if_posted(self, candidate_id: int) -> None:
        """A late scorecard or an amendment edits the posted pre-read; nothing is posted early.

        Only when the posting is behind: a second refresh for the same scorecard (a repeated
        submission, a retried job) would edit it again and drop its 'updated: …' line."""
        # Every submission asks, and most come before any pre-read is posted: one statement
        # answers that, without the session, BEGIN and COMMIT the comparison below needs.
        with self.db.read() as reader:
            posted = reader.execute(_POSTED, {"candidate_id": candidate_id}).first()
        if posted is None:
            return
        with self.db.transaction() as session:
            debrief = session.scalars(select(Debrief).where(Debrief.candidate_id == candidate_id)).one_or_none()
            if debrief is None or debrief.summary_ts is None:
                return
            behind = queries.scorecards_now(session, [candidate_id]).get(candidate_id, {}) != debrief.summarised
        if behind:
            self.post(candidate_id)

    # Deciding and closing

    def validate_decision(
        self, candidate_id: int, actor: str, choice: str, rationale: str, override: str = ""
    ) -> tuple[Decision, RuleOutcome | None]:
        """The decision modal's checks, answered inline. Field names match the modal's blocks."""
        self.decision_context(candidate_id, actor)
        rule = self.summary(candidate_id).rule
        problems = text_problems(Field.RATIONALE, rationale, OVERRIDE_MAX)
        if not rationale.strip():
            problems[Field.RATIONALE] = "Say why, in a sentence or two: it is what the candidate's file keeps."
        if choice not in {d.value for d in Decision}:
            problems[Field.DECISION] = "Choose Hire, No hire or Hold."
        elif against_rule(rule, Decision(choice)) and not override.strip():
            verdict = rule.verdict.value  # type: ignore[union-attr]
            problems[Field.OVERRIDE] = f"The decision rule says {verdict}: say why the panel decides otherwise."
        problems |= text_problems(Field.OVERRIDE, override, OVERRIDE_MAX)
        if problems:
            raise InvalidInput(problems)
        return Decision(choice), rule

    def decide(self, candidate_id: int, actor: str, choice: str, rationale: str, override: str = "") -> None:
        decision, rule = self.validate_decision(candidate_id, actor, choice, rationale, override)
        against = against_rule(rule, decision)
        with self.db.transaction() as session:
            candidate = queries.candidate(session, candidate_id)
            self.ensure_can_run(candidate, actor)
            if candidate.status is not LoopStatus.OPEN:
                raise InvalidInput({Field.DECISION: "This loop already has a decision."})
            candidate.decision, candidate.decision_rationale = decision, rationale.strip()
            candidate.rule_outcome = rule.verdict.value if rule else None
            candidate.override_reason = override.strip() if against else None
            candidate.decided_at, candidate.status = self.clock(), LoopStatus.DECIDED
            cancelled = self.reminders.cancel_loop(session, candidate_id)
            self.reminders.announce_decision(session, candidate_id, actor, candidate.decided_at)
            for listener in self.decided_listeners:
                listener(session, candidate_id)
            details = {"decision": decision.value, "reminders_cancelled": cancelled, "override": against}
            session.add(queries.audit(actor, "loop.decided", candidate_id, details))
            record(session, LoopDecided(candidate_id, actor))

    def announce_decision(self, candidate_id: int, actor: str) -> None:
        """Post the recorded decision in the loop's channel, with the archive button if offered,
        and the override of the pack's rule (with how often this pack's rule is overridden)."""
        with self.db.transaction() as session:
            candidate = queries.candidate(session, candidate_id)
            channel, name = candidate.channel_id, candidate.name
            decision, rationale = candidate.decision, candidate.decision_rationale or ""
            verdict, reason = candidate.rule_outcome, candidate.override_reason
            overrides = _override_count(session, candidate.pack) if reason else None
        if channel is None or decision is None:
            return
        archive_for = candidate_id if self.offer_archive else None
        shown = Override(verdict, reason, *overrides) if verdict and reason and overrides else None
        message = self.render.decision(name, decision, rationale, actor, archive_for, shown)
        self.slack.post_message(channel, message.text, message.blocks)

    def decision_prompt(self, candidate_id: int, actor: str) -> tuple[str, RuleOutcome | None]:
        """The candidate's name and what the pack's rule says, for the decision modal."""
        name = self.decision_context(candidate_id, actor)
        return name, self.summary(candidate_id).rule

    def decision_context(self, candidate_id: int, actor: str) -> str:
        with self.db.transaction() as session:
            candidate = queries.candidate(session, candidate_id)
            self.ensure_can_run(candidate, actor)
            if candidate.status is not LoopStatus.OPEN:
                raise InvalidInput({Field.DECISION: "This loop already has a decision."})
            return candidate.name

    def archive(self, candidate_id: int, actor: str) -> None:
        """Archive the channel of a decided loop. Slack keeps its history; nothing is deleted."""
        with self.db.transaction() as session:
            candidate = queries.candidate(session, candidate_id)
            self.ensure_can_run(candidate, actor)
            if candidate.status is not LoopStatus.DECIDED:
                raise InvalidInput({Field.ARCHIVE: f"Record a decision ({command('decide')}) before archiving."})
            channel = candidate.channel_id
            session.add(queries.audit(actor, "loop.archived", candidate_id, {}))
        if channel:
            self.slack.archive(channel)

    # The loop's data

    def export(self, candidate_id: int) -> dict[str, Any]:
        """The loop, its scorecards and the decision, as plain JSON for an ATS."""
        with self.db.transaction() as session:
            candidate = _load(session, candidate_id)
            pack = self.rubrics.get(candidate.pack)
            return {
                "candidate": {
                    "id": candidate.id,
                    "name": candidate.name,
                    "role": pack.role,
                    "profile": candidate.profile,
                    "resume_url": candidate.resume_url,
                    "opened_at": _iso(candidate.created_at),
                    "status": candidate.status.value,
                },
                "rubric": f"{candidate.pack}@{candidate.pack_version}",
                "team": [{"user": m.user_id, "role": m.role.value} for m in candidate.team],
                "interviews": [_export_interview(i) for i in candidate.interviews],
                "debrief": {
                    "scheduled_at": _iso(candidate.debrief.scheduled_at),
                    "summary_posted_at": _iso(candidate.debrief.posted_at),
                }
                if candidate.debrief
                else None,
                "decision": {
                    "decision": candidate.decision.value,
                    "rationale": candidate.decision_rationale,
                    "decided_at": _iso(candidate.decided_at),
                    "rule_outcome": candidate.rule_outcome,
                    "against_rule": candidate.override_reason is not None,
                    "override_reason": candidate.override_reason,
                }
                if candidate.decision
                else None,
            } | {name: part(session, candidate.id) for name, part in self.export_parts.items()}

    def purge(self, candidate_id: int) -> None:
        """Remove a closed loop's personal data; keep one anonymous audit line."""
        with self.db.transaction() as session:
            candidate = queries.candidate(session, candidate_id)
            if candidate.status is not LoopStatus.DECIDED:
                raise InvalidInput({Field.PURGE: "Only a decided loop can be purged; record a decision first."})
            decision = candidate.decision.value if candidate.decision else None
            session.execute(delete(Interview).where(Interview.candidate_id == candidate_id))
            session.execute(delete(Reminder).where(Reminder.candidate_id == candidate_id))
            session.execute(delete(TeamMember).where(TeamMember.candidate_id == candidate_id))
            session.execute(delete(Debrief).where(Debrief.candidate_id == candidate_id))
            session.execute(delete(SealedVote).where(SealedVote.candidate_id == candidate_id))
            session.execute(delete(AuditEvent).where(AuditEvent.candidate_id == candidate_id))
            session.execute(delete(CardChange).where(CardChange.candidate_id == candidate_id))
            candidate.name, candidate.resume_url, candidate.decision_rationale = "(purged)", None, None
            candidate.override_reason = None
            candidate.recruiter_id = candidate.hiring_manager_id = candidate.created_by = "purged"
            candidate.channel_name, candidate.problems = None, []
            candidate.status = LoopStatus.PURGED
            session.add(
                AuditEvent(
                    actor_id=None, action="loop.purged", candidate_id=candidate_id, details={"decision": decision}
                )
            )


def _override_count(session: Session, pack: str) -> tuple[int, int]:
    """Decisions against the rule, of all decisions the rule had an outcome for, with this pack."""
    ruled = (
        select(func.count()).select_from(Candidate).where(Candidate.pack == pack, Candidate.rule_outcome.is_not(None))
    )
    against = session.scalar(ruled.where(Candidate.override_reason.is_not(None))) or 0
    return against, session.scalar(ruled) or 0


def _load(session: Session, candidate_id: int) -> Candidate:
    """A loop with everything the pre-read reads, in a fixed number of queries however big it is."""
    candidate = session.scalar(
        select(Candidate)
        .where(Candidate.id == candidate_id)
        .options(
            selectinload(Candidate.interviews).selectinload(Interview.scorecard).selectinload(Scorecard.ratings),
            selectinload(Candidate.interviews).selectinload(Interview.scorecard).selectinload(Scorecard.red_flags),
            selectinload(Candidate.debrief),
        )
    )
    if candidate is None or candidate.status is LoopStatus.PURGED:
        return queries.candidate(session, candidate_id)  # raises NotFound
    return candidate


def _snapshot(candidate: Candidate) -> dict[str, int]:
    return {str(i.scorecard.id): i.scorecard.amendments for i in candidate.interviews if i.scorecard is not None}


def _changes(before: dict[str, int], candidate: Candidate, pack: RubricPack) -> list[PreReadChange]:
    """Scorecards added or amended since the last posting, for the pre-read's 'updated:' note."""
    changes = []
    for interview in candidate.interviews:
        card = interview.scorecard
        if card is None:
            continue
        if str(card.id) not in before or card.amendments > before[str(card.id)]:
            stage = pack.stage_name(interview.stage_key)
            changes.append(PreReadChange(stage, card.interviewer_id, amended=str(card.id) in before))
    return changes


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def _export_interview(interview: Interview) -> dict[str, Any]:
    card = interview.scorecard
    return {
        "stage": interview.stage_key,
        "interviewer": interview.interviewer_id,
        "starts_at": _iso(interview.starts_at),
        "duration_minutes": interview.duration_minutes,
        "status": interview.status.value,
        "scorecard": None
        if card is None
        else {
            "rubric": f"{card.pack}@{card.pack_version}",
            "recommendation": card.recommendation,
            "ratings": [
                {
                    "competency": r.competency_key,
                    "name": r.competency_name,
                    "rating": r.rating,
                    "evidence": r.evidence,
                    "impression": r.impression,
                }
                for r in card.ratings
            ],
            "red_flags": [{"flag": f.flag_key, "label": f.flag_label, "evidence": f.evidence} for f in card.red_flags],
            "notes": card.notes,
            "submitted_at": _iso(card.submitted_at),
            "amendments": card.amendments,
        },
    }
