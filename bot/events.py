"""Domain events: what a service changed, said once, so that the follow-up work (refreshing a
card, a pre-read or a Home tab, posting a receipt, inviting someone) is wired in one table
(bot/bootstrap.py, `subscriptions`) instead of being called from inside the service.

A service records an event in the transaction that made the change (`record`); the Database
hands the recorded events to the bus once that transaction has committed, and never when it
rolls back. Committed while a request waits (a scorecard submitted in its modal), each
subscriber becomes its own background job, run after the ack, a failure told to the event's
actor (when it has one). Committed inside a background job (an interview added after the
ack), the subscribers run in that job, in the table's order, and its failure report covers them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from sqlalchemy.orm import Session

from bot.background import Background, in_job
from db.session import Statements, record_after_commit

log = logging.getLogger(__name__)


# What happened. Ids only: a queued job must stay small, and candidate data stays in the database.


@dataclass(frozen=True)
class ScorecardSubmitted:
    """A scorecard was stored or changed (an unchanged resubmission records nothing)."""

    candidate_id: int
    interviewer_id: str
    created: bool  # a first submission (its receipt waits in the outbox), not an edit

    @property
    def changes_card(self) -> bool:
        """The loop card shows whether a scorecard is in, never what it says: an edit leaves it
        as it was, so it neither refreshes the card nor marks a change to mend (mending.py)."""
        return self.created


@dataclass(frozen=True)
class InterviewPlanned:
    candidate_id: int
    interviewer_id: str
    channel_id: str | None
    actor: str


@dataclass(frozen=True)
class InterviewRescheduled:
    candidate_id: int
    previous_interviewer_id: str
    interviewer_id: str
    channel_id: str | None
    actor: str


@dataclass(frozen=True)
class InterviewCancelled:
    candidate_id: int
    interviewer_id: str
    actor: str


@dataclass(frozen=True)
class DebriefScheduled:
    candidate_id: int
    actor: str


@dataclass(frozen=True)
class LoopOpened:
    """A new loop's set-up ran (its channel, card and team, or the problems kept on it)."""

    candidate_id: int


@dataclass(frozen=True)
class SetupRetried:
    candidate_id: int
    actor: str


@dataclass(frozen=True)
class WorkingHoursChanged:
    """A person set their own working hours, work week or holiday calendar."""

    actor: str


@dataclass(frozen=True)
class TraineeAdded:
    """A shadow or reverse shadow joined an interview (or changed mode)."""

    candidate_id: int
    interview_id: int
    trainee: str
    actor: str


@dataclass(frozen=True)
class LoopDecided:
    candidate_id: int
    actor: str


@dataclass(frozen=True)
class ReminderEscalated:
    candidate_id: int


@dataclass(frozen=True)
class ReminderFailed:
    """A reminder could not be delivered for good."""

    candidate_id: int
    user: str
    code: str


@dataclass(frozen=True)
class SummaryDue:
    """The outbox's debrief-summary row fell due. Delivered inline, by the outbox's own send:
    a failure leaves the row to be retried, like any other message a person must receive."""

    candidate_id: int


@dataclass(frozen=True)
class DecisionDue:
    """The outbox's row announcing a decision is being sent (delivered inline, as SummaryDue):
    a worker stopped between the decision and its announcement leaves the row for the next sweep."""

    candidate_id: int
    actor: str


@dataclass(frozen=True)
class TraineeNoticeDue:
    """The outbox's row telling a trainee what they joined is being sent (delivered inline)."""

    interview_id: int
    trainee: str


@dataclass(frozen=True)
class ComparisonDue:
    """The outbox's row DMing a trainee their practice beside the panel's is being sent (inline)."""

    interview_id: int
    trainee: str


@dataclass(frozen=True)
class GraduationOfferDue:
    """The outbox's row DMing a recruiter the decision's *Mark trained* offers is being sent (inline)."""

    candidate_id: int
    recruiter: str


def shows_on_card(event: object) -> bool:
    """Whether an event changes what its loop's card shows: all do but an edited scorecard."""
    return bool(getattr(event, "changes_card", True))


Handler = Callable[[Any], object]
Subscriptions = Mapping[type, Sequence[Handler]]
H = TypeVar("H", bound=Callable[..., object])

# Subscriber function -> what of an event its work depends on (see `coalesce`).
_COALESCE_BY: dict[Callable[..., object], Callable[[Any], Hashable]] = {}
# Subscriber function -> which events it has work for (see `only_for`).
_ONLY_FOR: dict[Callable[..., object], Callable[[Any], bool]] = {}
# Subscriber functions that only ask a Coalescer for a run (see `asks_only`).
_ASKS_ONLY: set[Callable[..., object]] = set()


def coalesce(by: Callable[[Any], Hashable]) -> Callable[[H], H]:
    """Mark a subscriber whose work depends on `by(event)` only and is redone from the database
    (a refresh reads the state it shows when it runs; an outbox sweep sends whatever rows are
    due): of two such jobs still waiting for a thread, the second is dropped, as the first will
    show both changes, and a web worker that is stopping drops those it has not started in time
    (bot/background.py). Unmarked subscribers (an invitation, a DM built from the event) always run.

    Under load this bounds the follow-ups to one waiting job per card, Home tab or outbox
    kind, where one job per submitted scorecard kept the background threads (and the
    database) busy with refreshes that the next one made obsolete."""

    def mark(handler: H) -> H:
        _COALESCE_BY[handler] = by
        return handler

    return mark


def only_for(wanted: Callable[[Any], bool]) -> Callable[[H], H]:
    """Mark a subscriber that has nothing to do for an event `wanted` declines (an edited
    scorecard posts no receipt and leaves the card as it was): it is not run, nor queued as a
    job. Queuing the no-op was most of a submission's hand-off to the background threads."""

    def mark(handler: H) -> H:
        _ONLY_FOR[handler] = wanted
        return handler

    return mark


def asks_only(handler: H) -> H:
    """Mark a subscriber that does no work itself: it asks a Coalescer (bot/background.py) for
    a run, which queues that work, spaced, or joins a run already waiting. It is called in the
    thread that published, not queued as a job: queued, it was a hand-off to a background
    thread (and a wake-up of that thread) per event, to set a flag that was mostly set already;
    two of an edited scorecard's three follow-ups were such asks. Keep it to that: anything
    that reads, writes or calls Slack would run before the ack."""
    _ASKS_ONLY.add(handler)
    return handler


def _marked(handler: Handler) -> Callable[..., object]:
    """The function a mark was put on: a bound method's, as the table holds FollowUps' methods."""
    return getattr(handler, "__func__", handler)


def _asks_only(handler: Handler) -> bool:
    return _marked(handler) in _ASKS_ONLY


def wants(handler: Handler, event: object) -> bool:
    """Whether `handler` has work for `event` (see `only_for`)."""
    wanted = _ONLY_FOR.get(_marked(handler))
    return wanted is None or wanted(event)


def work_key(handler: Handler, event: object) -> tuple[str, tuple[int, Hashable]] | None:
    """The background key of a coalesced `handler` run for `event` (equal keys do the same
    work); None for a subscriber that must run once per event."""
    by = _COALESCE_BY.get(_marked(handler))
    return (handler.__qualname__, (id(handler), by(event))) if by else None


def record(unit: Session | Statements, event: object) -> None:
    """Say what this transaction changed; it is published once the transaction commits."""
    record_after_commit(unit, event)


class Publisher(Protocol):
    def publish(self, events: Sequence[object]) -> None: ...

    def deliver(self, event: object) -> None: ...

    def handles(self, kind: type) -> bool: ...


class EventBus:
    """The subscription table, run: `publish` queues each subscriber as its own background job,
    or runs them all in the job that committed; either way a failed refresh does not stop the
    receipt. `deliver` runs them now and lets a failure reach the caller (the outbox, which retries)."""

    def __init__(self, background: Background, table: Subscriptions | None = None):
        self.background = background
        self.table: Subscriptions = table or {}

    def handles(self, kind: type) -> bool:
        return bool(self.table.get(kind))

    def publish(self, events: Sequence[object]) -> None:
        if in_job():
            # Committed by a job already off the request path (adding an interview after the
            # ack, say): its follow-ups run here, in the table's order, before the job ends.
            for event in events:
                self._run_each(event)
            return
        for event in events:
            for handler in self._for(event):
                if _asks_only(handler):
                    self._ask(handler, event)
                    continue
                # A coalesced one is keyed by what it is and what for: a twin still waiting
                # would do the same work.
                self.background.submit(
                    _bind(handler, event), user=getattr(event, "actor", None), key=work_key(handler, event)
                )

    @staticmethod
    def _ask(handler: Handler, event: object) -> None:
        try:
            handler(event)
        except Exception as exc:  # the change has committed: a lost refresh is cosmetic, the request goes on
            log.error("a follow-up could not be asked for: %s", type(exc).__name__)

    def deliver(self, event: object) -> None:
        for handler in self._for(event):
            handler(event)

    def _for(self, event: object) -> list[Handler]:
        return [h for h in self.table.get(type(event), ()) if wants(h, event)]

    def _run_each(self, event: object) -> None:
        """Every subscriber runs; the first failure is raised once they all have."""
        failure: Exception | None = None
        for handler in self._for(event):
            try:
                handler(event)
            except Exception as exc:  # raised below, after the other subscribers have run
                failure = failure or exc
        if failure is not None:
            raise failure


class NoEvents:
    """For a service built on its own (benchmarks, a second dispatcher in a test): nothing subscribes."""

    def publish(self, events: Sequence[object]) -> None:
        return None

    def deliver(self, event: object) -> None:
        return None

    def handles(self, kind: type) -> bool:
        return False


def _bind(handler: Handler, event: object) -> Callable[[], object]:
    return lambda: handler(event)
