"""Calendar invites (RFC 5545 / iTIP RFC 5546) for interviews and debriefs, built with icalendar.

Pure: no Slack, no database. bot/services/invite_sending.py decides when and to whom.

- One stable UID per event (`interview-<id>@hirebot`, `debrief-<candidate id>@hirebot`); each
  change raises SEQUENCE, so a calendar replaces the event it already has; a cancellation is
  METHOD:CANCEL with the same UID.
- DTSTART/DTEND are UTC (`…Z`): every calendar reads them the same, across daylight-saving
  changes, with no VTIMEZONE to get wrong. The person's zone is named (X-WR-TIMEZONE and a
  COMMENT with the local time), so they can check it.
- Slack ids are not email addresses and hirebot holds none (no users:read.email), so
  ORGANIZER and ATTENDEE are `urn:x-slack:user:<id>` URIs with the person's name as CN.
  RFC 5545 allows any URI as a CAL-ADDRESS; calendars that only understand mailto: show the
  CN and skip RSVP, which hirebot does not read anyway.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, vCalAddress, vText

from bot.mrkdwn import url_problem

PRODID = "-//hirebot//calendar invites//EN"
GOOGLE_TEMPLATE = "https://calendar.google.com/calendar/render"
SLACK_ADDRESS = "urn:x-slack:user:"


@dataclass(frozen=True)
class Invite:
    uid: str
    sequence: int
    cancel: bool
    summary: str
    starts_at: datetime
    ends_at: datetime
    zone: str  # the recipient's zone, named beside the UTC times
    organizer: str  # Slack user id
    attendees: tuple[str, ...]  # Slack user ids
    stage_name: str | None = None
    channel_id: str | None = None
    resume_url: str | None = None
    names: dict[str, str] = field(default_factory=dict)  # user id -> display name, where known


def hiring_team(recruiter: str, hiring_manager: str, members: list[str]) -> tuple[str, ...]:
    """Everyone a debrief invite goes to, each once, the recruiter first."""
    return tuple(dict.fromkeys([recruiter, hiring_manager, *members]))


def interview_uid(interview_id: int) -> str:
    return f"interview-{interview_id}@hirebot"


def debrief_uid(candidate_id: int) -> str:
    return f"debrief-{candidate_id}@hirebot"


def slack_address(user_id: str) -> str:
    return f"{SLACK_ADDRESS}{user_id}"


def user_of(address: str) -> str | None:
    """The Slack user id of an ORGANIZER/ATTENDEE hirebot wrote; None for any other address."""
    return address[len(SLACK_ADDRESS) :] if address.startswith(SLACK_ADDRESS) else None


def channel_link(channel_id: str) -> str:
    return f"https://slack.com/app_redirect?{urlencode({'channel': channel_id})}"


def description(invite: Invite) -> str:
    """Plain text (icalendar escapes it): the stage, the channel link and the résumé link."""
    lines = []
    if invite.stage_name:
        lines.append(f"Stage: {invite.stage_name}")
    if invite.channel_id:
        lines.append(f"Candidate channel: {channel_link(invite.channel_id)}")
    if invite.resume_url and url_problem(invite.resume_url) is None:  # only real https links
        lines.append(f"Résumé: {invite.resume_url}")
    lines.append("Sent by hirebot: a newer invite for this event replaces this one.")
    return "\n".join(lines)


def local_time(invite: Invite) -> str:
    start = invite.starts_at.astimezone(ZoneInfo(invite.zone))
    return f"{start:%a %d %b %Y %H:%M} {start.tzname()} ({invite.zone})"


def _address(user_id: str, names: dict[str, str], **params: str) -> vCalAddress:
    address = vCalAddress(slack_address(user_id))
    if names.get(user_id):
        address.params["CN"] = vText(names[user_id])
    address.params.update({key: vText(value) for key, value in params.items()})
    return address


def calendar(invite: Invite, stamp: datetime) -> bytes:
    """The .ics file: one VEVENT, METHOD:REQUEST or METHOD:CANCEL."""
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "CANCEL" if invite.cancel else "REQUEST")
    cal.add("x-wr-timezone", invite.zone)
    event = Event()
    event.add("uid", invite.uid)
    event.add("sequence", invite.sequence)
    event.add("dtstamp", stamp.astimezone(UTC))
    event.add("dtstart", invite.starts_at.astimezone(UTC))
    event.add("dtend", invite.ends_at.astimezone(UTC))
    event.add("summary", invite.summary)
    event.add("description", description(invite))
    event.add("comment", f"Times are in UTC. In {invite.zone} this starts {local_time(invite)}.")
    event.add("status", "CANCELLED" if invite.cancel else "CONFIRMED")
    event.add("transp", "OPAQUE")
    if invite.channel_id:
        event.add("url", channel_link(invite.channel_id))
    event.add("organizer", _address(invite.organizer, invite.names))
    for user in invite.attendees:
        event.add("attendee", _address(user, invite.names, ROLE="REQ-PARTICIPANT", CUTYPE="INDIVIDUAL"))
    cal.add_component(event)
    return cal.to_ical()


def google_link(invite: Invite) -> str:
    """Google Calendar's event template (a link, no API): the same event, for one click."""
    span = f"{invite.starts_at.astimezone(UTC):%Y%m%dT%H%M%SZ}/{invite.ends_at.astimezone(UTC):%Y%m%dT%H%M%SZ}"
    query = {
        "action": "TEMPLATE",
        "text": invite.summary,
        "dates": span,
        "ctz": invite.zone,
        "details": description(invite),
    }
    return f"{GOOGLE_TEMPLATE}?{urlencode(query)}"


def filename(invite: Invite) -> str:
    kind = invite.uid.split("@", 1)[0]
    return f"{kind}-{'cancel' if invite.cancel else 'invite'}.ics"
