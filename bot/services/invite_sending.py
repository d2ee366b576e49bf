"""Sending calendar invites: what an INVITE / INVITE_CANCEL outbox row means when the sweep reaches it.

The row says whom and which event; the event's details and SEQUENCE are read at send time,
so a row that waited (Slack down) still sends the latest state. Invites are not reminders:
they skip the per-person DM spacing (bot.services.outgoing.Outgoing.person), because a
calendar that misses a reschedule is wrong, and a file is no nudge.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import timedelta
from functools import partial

from bot.clock import Clock
from bot.errors import SlackError
from bot.mrkdwn import escape, link
from bot.services import invites
from bot.services.invites import Invite
from bot.services.outgoing import Outgoing, SweepStats
from bot.services.ports import Gateway
from bot.services.reminders import interview_end
from db.models import Candidate, Interview, InterviewStatus, Reminder, ReminderKind, ReminderStatus
from rubrics.loader import RubricRegistry

log = logging.getLogger(__name__)

DEBRIEF_MINUTES = 60


class InviteSender:
    def __init__(self, slack: Gateway, rubrics: RubricRegistry, clock: Clock, zone: str):
        self.slack = slack
        self.rubrics = rubrics
        self.clock = clock
        self.zone = zone  # the team's zone: the debrief's, and anyone's whose own is unknown

    def route(
        self, row: Reminder, candidate: Candidate, interview: Interview | None, stats: SweepStats
    ) -> list[Outgoing]:
        cancel = row.kind is ReminderKind.INVITE_CANCEL
        if row.interview_id is not None:
            if interview is None:
                stats.finish(row, ReminderStatus.EXPIRED, "interview gone")
                return []
            if not cancel and (
                interview.status is InterviewStatus.CANCELLED or interview.interviewer_id != row.target_user_id
            ):
                stats.finish(row, ReminderStatus.EXPIRED, "superseded by a later change")
                return []
            invite = self._interview(interview, candidate, cancel)
        elif candidate.debrief is None:
            stats.finish(row, ReminderStatus.EXPIRED, "no debrief")
            return []
        else:
            invite = self._debrief(candidate, cancel)
        action = partial(self.send, row.target_user_id, invite)
        return [Outgoing(row.target_user_id, None, [row.id], candidate.id, row.kind, action=action)]

    def _interview(self, interview: Interview, candidate: Candidate, cancel: bool) -> Invite:
        try:
            stage = self.rubrics.get(candidate.pack).stage_name(interview.stage_key)
        except KeyError:  # the stage left the rubric since: its key still says which one
            stage = interview.stage_key
        return Invite(
            uid=invites.interview_uid(interview.id),
            sequence=interview.invite_sequence,
            cancel=cancel,
            summary=f"Interview: {candidate.name} ({stage})",
            starts_at=interview.starts_at,
            ends_at=interview_end(interview),
            zone=interview.timezone,
            organizer=candidate.recruiter_id,
            attendees=(interview.interviewer_id,),
            stage_name=stage,
            channel_id=candidate.channel_id,
            resume_url=candidate.resume_url,
        )

    def _debrief(self, candidate: Candidate, cancel: bool) -> Invite:
        debrief = candidate.debrief
        assert debrief is not None
        members = [m.user_id for m in candidate.team]
        team = invites.hiring_team(candidate.recruiter_id, candidate.hiring_manager_id, members)
        return Invite(
            uid=invites.debrief_uid(candidate.id),
            sequence=debrief.invite_sequence,
            cancel=cancel,
            summary=f"Debrief: {candidate.name}",
            starts_at=debrief.scheduled_at,
            ends_at=debrief.scheduled_at + timedelta(minutes=DEBRIEF_MINUTES),
            zone=self.zone,
            organizer=candidate.recruiter_id,
            attendees=team,
            stage_name="Debrief",
            channel_id=candidate.channel_id,
            resume_url=candidate.resume_url,
        )

    def send(self, user: str, invite: Invite) -> None:
        """Upload the .ics to the person's DM, with a line saying what changed and a Google Calendar link."""
        invite = replace(invite, names=self._names((invite.organizer, *invite.attendees)))
        content = invites.calendar(invite, self.clock())
        self.slack.upload_file(user, invites.filename(invite), content, invite.summary, comment(invite))

    def _names(self, users: tuple[str, ...]) -> dict[str, str]:
        """Display names for CN. A lookup that fails leaves the name out: the invite still goes."""
        names = {}
        for user in dict.fromkeys(users):
            try:
                names[user] = self.slack.user_info(user).display
            except SlackError as exc:
                log.info("no name for an invite's attendee: %s", exc.code)
        return names


def comment(invite: Invite) -> str:
    """The DM's text (mrkdwn; the summary holds what people typed, so it is escaped)."""
    what = escape(invite.summary)
    when = escape(invites.local_time(invite))
    if invite.cancel:
        return f"🗓️ *Cancelled:* {what}, {when}. Open the attached file to remove it from your calendar."
    verb = "Updated invite" if invite.sequence else "Calendar invite"
    google = link(invites.google_link(invite), "add it to Google Calendar")
    return f"🗓️ *{verb}:* {what}, {when}. Open the attached .ics, or {google}."
