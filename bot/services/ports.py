"""What the services need from the outside, as interfaces. The Slack edge implements them.

Services decide *what* to say; a Renderer (handlers/builders) decides how it looks in Block
Kit. Services pass the Renderer's output to the gateway without reading it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Protocol

from bot.services.agreement import Agreement
from bot.services.coverage import Coverage
from bot.services.dashboard import Chart, Dashboard, OwnNumbers
from bot.services.leniency import Leniency
from bot.services.load import LoadReport
from bot.services.message import Message
from bot.services.people import HoursSummary
from bot.services.summary import Summary
from bot.services.vote_rules import Reveal, VoteAsk
from db.models import Decision, InterviewStatus, LoopStatus

__all__ = ["Message"]  # defined on its own so that vote_rules can build on it without a cycle


@dataclass(frozen=True)
class InterviewLine:
    """One interview as the status views show it: who, when, and whether feedback is in (never what)."""

    id: int
    stage_key: str
    stage_name: str
    interviewer_id: str
    starts_at: datetime
    ends_at: datetime
    timezone: str
    status: InterviewStatus
    submitted: bool
    overdue: bool
    escalated: bool = False


@dataclass(frozen=True)
class PickWarning:
    """An interview whose interviewer is outside the stage's trained pool, or over their weekly cap."""

    interview_id: int
    outside_pool: bool
    week_count: int  # their interviews in that week
    cap: int
    week_of: date  # Monday of that week

    @property
    def over_cap(self) -> bool:
        return self.week_count > self.cap


@dataclass(frozen=True)
class LoopCard:
    candidate_id: int
    name: str
    role: str
    profile: str
    channel_id: str | None
    recruiter_id: str
    hiring_manager_id: str
    resume_url: str | None
    stages: list[tuple[str, str]]  # (key, name) in loop order
    interviews: list[InterviewLine]
    debrief_at: datetime | None
    problems: list[str]
    status: LoopStatus
    decision: Decision | None
    days_open: int
    target_weeks: tuple[int, int]
    zone: str  # the team's default time zone, for times shown in the channel
    coverage: list[Coverage] = field(default_factory=list)  # the plan's must-have coverage (card only)
    imported: tuple[int, int] | None = None  # (position, total) in the import that opened it; None: by hand
    warnings: list[PickWarning] = field(default_factory=list)  # pool and cap warnings (card only)


@dataclass(frozen=True)
class PendingScorecard:
    interview_id: int
    candidate_name: str
    channel_id: str | None
    stage_name: str
    ends_at: datetime
    overdue: bool


@dataclass(frozen=True)
class UnfinishedLoop:
    """A loop whose set-up did not finish (no channel, or no card in it): reachable only from
    its people's status and Home, so that is where *Retry set-up* is offered."""

    candidate_id: int
    candidate_name: str
    channel_id: str | None
    problems: list[str]


@dataclass(frozen=True)
class PersonalStatus:
    user_id: str
    pending: list[PendingScorecard]
    upcoming: list[InterviewLine]
    upcoming_channels: dict[int, tuple[str, str | None]]  # interview id -> (candidate, channel)
    zone: str
    unfinished: list[UnfinishedLoop] = field(default_factory=list)
    # Leniency this person may see (App Home only): their own, or everyone's for a recruiter.
    leniency: list[Leniency] = field(default_factory=list)
    sees_everyone: bool = False
    hours: HoursSummary | None = None  # their own working time, for the App Home
    # The hiring dashboard (recruiters only), or an interviewer's own timeliness (App Home only).
    dashboard: Dashboard | None = None
    own_numbers: OwnNumbers | None = None
    # Recruiters only, beside the dashboard: its uploaded pictures, and this week's load per person.
    charts: dict[Chart, SlackImage] = field(default_factory=dict)
    load: LoadReport | None = None


@dataclass(frozen=True)
class PrepKit:
    """Sent before an interview: what this stage assesses and what to watch for."""

    reminder_id: int
    interview_id: int
    candidate_name: str
    channel_id: str | None
    resume_url: str | None
    stage_name: str
    starts_at: datetime
    zone: str
    competencies: list[tuple[str, str]]  # (name, description)
    focus_questions: list[str]
    red_flags: list[str]
    practice: bool = False  # for a shadow or reverse shadow: their scorecard is practice, opened from the kit


@dataclass(frozen=True)
class ScorecardReminder:
    """A due notice, a chaser, a digest of several, or the pre-debrief nudge, for one person."""

    reminder_id: int
    kind: str  # "due", "chaser", "digest" or "nudge"
    items: list[PendingScorecard]
    zone: str


@dataclass(frozen=True)
class Escalation:
    candidate_name: str
    channel_id: str | None
    interviewer_id: str
    stage_name: str
    ends_at: datetime
    zone: str


@dataclass(frozen=True)
class PreReadChange:
    """A scorecard that arrived, or was amended, since the pre-read was last posted."""

    stage_name: str
    interviewer_id: str
    amended: bool


@dataclass(frozen=True)
class Override:
    """A decision against the pack's rule: what the rule said, why, and how often it happens."""

    rule_outcome: str
    reason: str
    overrides: int  # decisions against the rule with this pack, this one included
    ruled: int  # decisions the rule had an outcome for, with this pack


@dataclass(frozen=True)
class Picture:
    """A rendered chart: PNG bytes of a known size, and the plain-language alt text that says
    what it shows to someone who cannot see it."""

    png: bytes
    alt_text: str
    title: str
    width: int
    height: int


@dataclass(frozen=True)
class SlackImage:
    """A picture uploaded to Slack, to show in an image block by its file id."""

    file_id: str
    alt_text: str
    title: str


class Renderer(Protocol):
    def loop_card(self, card: LoopCard) -> Message: ...

    def home(self, status: PersonalStatus) -> dict[str, Any]: ...

    def prep_kit(self, kit: PrepKit) -> Message: ...

    def scorecard_reminder(self, reminder: ScorecardReminder) -> Message: ...

    def escalation(self, escalation: Escalation) -> Message: ...

    def debrief(
        self, summary: Summary, candidate_id: int, changes: list[PreReadChange], image: SlackImage | None = None
    ) -> Message: ...

    def pre_read_picture(self, summary: Summary, names: dict[str, str]) -> Picture: ...

    def loop_age_chart(self, ages: Sequence[tuple[str, int]], target_weeks: tuple[int, int]) -> Picture: ...

    def agreement_chart(self, rows: Sequence[Agreement]) -> Picture: ...

    def decision(
        self,
        name: str,
        decision: Decision,
        rationale: str,
        actor: str,
        archive_for: int | None,
        override: Override | None = None,
    ) -> Message: ...

    def vote_ask(self, ask: VoteAsk) -> Message: ...

    def reveal(self, reveal: Reveal) -> Message: ...


class Gateway(Protocol):
    """The slice of bot.slack_gateway.SlackGateway the services use (kept here so services import no Slack code)."""

    def create_private_channel(self, name: str) -> str: ...
    def invite(self, channel: str, users: list[str]) -> None: ...
    def set_topic(self, channel: str, topic: str) -> None: ...
    def set_purpose(self, channel: str, purpose: str) -> None: ...
    def add_bookmark(self, channel: str, title: str, link: str) -> None: ...
    def pin(self, channel: str, ts: str) -> None: ...
    def archive(self, channel: str) -> None: ...
    def post_message(self, channel: str, text: str, blocks: list[dict] | None = None) -> str: ...
    def update_message(self, channel: str, ts: str, text: str, blocks: list[dict] | None = None) -> None: ...
    def post_ephemeral(self, channel: str, user: str, text: str, blocks: list[dict] | None = None) -> None: ...
    def publish_home(self, user: str, view: dict) -> None: ...
    def user_info(self, user: str) -> Any: ...
    def upload_file(self, user: str, filename: str, content: bytes, title: str, initial_comment: str) -> str: ...
    def upload_image(self, filename: str, content: bytes, title: str, alt_text: str) -> str: ...
    def delete_file(self, file_id: str) -> None: ...
