"""Opening a loop, as a state machine that survives Slack failing at any step.

The row is written first (status OPENING, with the submitting view's id), then the channel is
created and recorded, then the set-up steps run, each one's outcome kept on the row. Whatever
happens, the recruiter is told, and a loop whose set-up did not finish is listed in their
`/hire status` and App Home with *Retry set-up*, which runs the remaining steps again.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, or_, select, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from bot.clock import Clock
from bot.errors import HirebotError, SlackError
from bot.mrkdwn import channel_link, command, escape
from bot.services import queries
from bot.services.loop_channel import SETUP_STEPS, LoopChannel
from db.models import Candidate, LoopStatus, TeamMember, TeamRole
from db.session import Database
from rubrics.loader import RubricRegistry

log = logging.getLogger(__name__)

# Longer than a set-up run can take (a few Slack calls, each waiting out at most 30 s of rate
# limit), so a lease outlives its run; a run that died frees its loop after this long.
SETUP_LEASE = timedelta(minutes=5)
PENDING = "pending"
MAX_VIEW_ID = 64
NOT_SAVED = "I couldn't save this loop, so nothing was created in Slack. Please submit it again."


@dataclass(frozen=True)
class ImportPlace:
    """A row's place in the import that opens its loop: loop `position` of `total`."""

    batch: str  # the import's identity: a digest of its rows' keys, in order (import_rows.batch_key)
    position: int
    total: int


@dataclass(frozen=True)
class NewLoop:
    candidate_name: str
    pack: str
    profile: str
    recruiter_id: str
    hiring_manager_id: str
    team: list[str]
    resume_url: str | None
    imported: ImportPlace | None = None  # opened by `hirebot import candidates`, written with the loop


@dataclass(frozen=True)
class Opened:
    """What a set-up run ended with, and the sentence its recruiter should read."""

    candidate_id: int
    sentence: str
    refused: bool = False  # Slack refused the channel for good: nothing exists in Slack


class LoopOpening:
    def __init__(self, db: Database, rubrics: RubricRegistry, channel: LoopChannel, clock: Clock):
        self.db = db
        self.rubrics = rubrics
        self.channel = channel
        self.clock = clock

    def begin(self, form: NewLoop, actor: str, view_id: str | None) -> int | None:
        """Write the loop before anything happens in Slack. None: this view already opened one."""
        # Slack's view ids are short and alphanumeric; anything else cannot be a replay key.
        view_id = view_id if view_id and view_id.isalnum() and len(view_id) <= MAX_VIEW_ID else None
        # No look-up first: the unique view id refuses a replay, and the ack path stays one commit.
        try:
            with self.db.transaction() as session:
                candidate = self._row(form, actor, view_id)
                session.add(candidate)
                session.flush()
                details = {"pack": self.rubrics.get(form.pack).ref, "team": len(form.team)}
                session.add(queries.audit(actor, "loop.opened", candidate.id, details))
                return candidate.id
        except SQLAlchemyError as exc:
            # The same submission, replayed?
            if isinstance(exc, IntegrityError) and view_id and self._by_view(view_id) is not None:
                return None
            # The type only: the statement's parameters hold the candidate's name.
            log.warning("new loop not saved: %s", type(exc).__name__)
            raise HirebotError(NOT_SAVED) from None

    def _row(self, form: NewLoop, actor: str, view_id: str | None) -> Candidate:
        pack = self.rubrics.get(form.pack)
        candidate = Candidate(
            name=form.candidate_name.strip(),
            pack=pack.pack,
            pack_version=pack.version,
            profile=form.profile,
            recruiter_id=form.recruiter_id,
            hiring_manager_id=form.hiring_manager_id,
            resume_url=form.resume_url or None,
            status=LoopStatus.OPENING,
            problems=[f"channel: {PENDING}"],
            view_id=view_id,
            created_by=actor,
            created_at=self.clock(),
            updated_at=self.clock(),
        )
        candidate.team = [
            TeamMember(user_id=form.recruiter_id, role=TeamRole.RECRUITER),
            TeamMember(user_id=form.hiring_manager_id, role=TeamRole.HIRING_MANAGER),
            *(TeamMember(user_id=u, role=TeamRole.INTERVIEWER) for u in dict.fromkeys(form.team)),
        ]
        if form.imported is not None:
            candidate.import_batch = form.imported.batch
            candidate.import_position = form.imported.position
            candidate.import_total = form.imported.total
        return candidate

    def _by_view(self, view_id: str) -> int | None:
        with self.db.transaction() as session:
            return session.scalar(select(Candidate.id).where(Candidate.view_id == view_id))

    def run(self, candidate_id: int) -> Opened | None:
        """Take the loop's lease and run what is left of its set-up. None: another run holds it."""
        if not self._claim(candidate_id):
            return None
        try:
            return self._steps(candidate_id)
        finally:
            self._release(candidate_id)

    def _steps(self, candidate_id: int) -> Opened:
        with self.db.transaction() as session:
            candidate = queries.candidate(session, candidate_id)
            # Escaped once here: every sentence below goes to Slack as mrkdwn.
            name, had_channel = escape(candidate.name), candidate.channel_id is not None
            steps = tuple(p.split(":", 1)[0] for p in candidate.problems if not p.startswith("channel:"))
            # A channel whose own mark is still there: the run that created it stopped before
            # marking its set-up steps, so none of them ran.
            unmarked = had_channel and any(p.startswith("channel:") for p in candidate.problems)
        try:
            channel = self.channel.ensure_channel(candidate_id)
        except SlackError as exc:
            log.warning("loop %s channel not created: %s", candidate_id, exc.code)
            self.channel.set_problem(candidate_id, "channel", exc.code)
            return _not_opened(candidate_id, name, exc)
        if not had_channel or unmarked:
            # From here each step clears its own mark: a run that dies leaves the rest marked.
            steps = (*SETUP_STEPS, "card")
            self.channel.set_problems(candidate_id, {"channel": None} | dict.fromkeys(steps, PENDING))
        else:
            self.channel.set_problem(candidate_id, "channel", None)
        try:
            self.channel.run_setup(candidate_id, steps)
        except SlackError as exc:
            return Opened(
                candidate_id,
                f"Loop #{candidate_id} for {name} has its channel {channel_link(channel)}, but Slack refused its card "
                f"({exc.code}). Use *Retry set-up* once Slack is back: it is in {command('status')} and on your "
                "hirebot Home tab until the card is posted.",
            )
        with self.db.transaction() as session:
            problems = list(queries.candidate(session, candidate_id).problems)
        link = channel_link(channel)
        done = f"Set-up of {link} retried" if had_channel else f"Opened {link} for {name}"
        if problems:
            return Opened(
                candidate_id,
                f"{done}; some set-up steps failed ({', '.join(problems)}). "
                "The card in the channel has *Retry set-up*.",
            )
        return Opened(candidate_id, f"{done}.")

    def discard(self, candidate_id: int) -> None:
        """Remove a loop Slack refused a channel to, once its recruiter has been told so."""
        with self.db.transaction() as session:
            candidate = session.get(Candidate, candidate_id)
            if candidate is not None and candidate.status is LoopStatus.OPENING and candidate.channel_id is None:
                session.add(queries.audit(None, "loop.discarded", candidate_id, {}))
                session.delete(candidate)

    def _claim(self, candidate_id: int) -> bool:
        now = self.clock()
        with self.db.transaction() as session:
            claimed = session.execute(
                update(Candidate)
                .where(
                    Candidate.id == candidate_id,
                    or_(Candidate.setup_until.is_(None), Candidate.setup_until < now),
                )
                .values(setup_until=now + SETUP_LEASE)
            )
            return cast("CursorResult[Any]", claimed).rowcount == 1

    def _release(self, candidate_id: int) -> None:
        with self.db.transaction() as session:
            session.execute(update(Candidate).where(Candidate.id == candidate_id).values(setup_until=None))


def _not_opened(candidate_id: int, name: str, exc: SlackError) -> Opened:
    if exc.retryable:
        return Opened(
            candidate_id,
            f"Slack did not answer while I was creating the channel for {name} ({exc.code}). The loop is saved "
            f"as #{candidate_id}: use *Retry set-up* in {command('status')} or on your hirebot Home tab "
            "once Slack is back.",
        )
    return Opened(
        candidate_id,
        f"I couldn't open a channel for {name}: {exc.user_message} Nothing was created; run {command('new')} "
        "again once that is fixed.",
        refused=True,
    )
