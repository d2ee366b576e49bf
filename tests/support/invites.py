"""Every calendar invite a test's bot shared, read back from the emulator and parsed with
icalendar, then checked against that test's database (run after every end-to-end test)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta

from icalendar import Calendar
from sqlalchemy import select

from bot.services import invites
from bot.services.invite_sending import DEBRIEF_MINUTES
from bot.services.reminders import INVITE_KINDS, interview_end
from db.models import Candidate, Interview, InterviewStatus, LoopStatus, Reminder, ReminderStatus
from db.session import Database


@dataclass(frozen=True)
class SentInvite:
    recipient: str  # the user id the file was shared with
    method: str
    uid: str
    sequence: int
    event: object  # the VEVENT
    attendees: list[str]


def sent_invites(client, emulator) -> list[SentInvite]:
    """Each .ics the bot completed an upload of, in order, downloaded and parsed."""
    found = []
    for method, args, response in client.calls:
        if method != "files.completeUploadExternal" or not response.get("ok"):
            continue
        for file in response["files"]:
            if not file.get("name", "").endswith(".ics"):
                continue  # a picture (the pre-read's heat map), not an invite
            cal = Calendar.from_ical(emulator.download(file["url_private"]))
            event = cal.walk("VEVENT")[0]
            attendees = event.get("ATTENDEE")
            attendees = attendees if isinstance(attendees, list) else [attendees]
            found.append(
                SentInvite(
                    recipient=args["channels"],
                    method=str(cal["METHOD"]),
                    uid=str(event["UID"]),
                    sequence=int(event["SEQUENCE"]),
                    event=event,
                    attendees=[invites.user_of(str(a)) for a in attendees if a is not None],
                )
            )
    return found


def check_invites(client, emulator, db: Database, against_db: bool = True) -> list[SentInvite]:
    """Sequences never go down per event; each person's latest invite matches the database
    (unless a newer one is still waiting in the outbox, or the loop was purged since).
    Returns what was checked."""
    sent = sent_invites(client, emulator)
    highest: dict[str, int] = {}
    latest: dict[tuple[str, str], SentInvite] = {}
    for invite in sent:
        assert invite.method in ("REQUEST", "CANCEL"), invite
        assert invite.sequence >= highest.get(invite.uid, 0), f"SEQUENCE went down for {invite.uid}"
        assert invite.event.decoded("DTSTART").utcoffset() == timedelta(0), "times must be in UTC"
        highest[invite.uid] = invite.sequence
        latest[(invite.uid, invite.recipient)] = invite
    if not latest or not against_db:
        return sent
    waiting = _waiting(db)
    with db.transaction() as session:
        for (uid, recipient), invite in latest.items():
            kind, ident = uid.split("@")[0].split("-")
            found = session.get(Interview if kind == "interview" else Candidate, int(ident))
            if (kind, int(ident)) in waiting or _purged(found):
                continue
            if kind == "interview":
                _check_interview(found, recipient, invite)
            else:
                _check_debrief(found, recipient, invite)
    return sent


def _purged(found: Interview | Candidate | None) -> bool:
    """A purged loop keeps no interviews to check against (the invites were checked before)."""
    if found is None:
        return True
    candidate = found.candidate if isinstance(found, Interview) else found
    return candidate.status is LoopStatus.PURGED


def _waiting(db: Database) -> set[tuple[str, int]]:
    open_states = (ReminderStatus.PENDING, ReminderStatus.SENDING)
    with db.transaction() as session:
        rows = session.execute(
            select(Reminder.interview_id, Reminder.candidate_id).where(
                Reminder.kind.in_(INVITE_KINDS), Reminder.status.in_(open_states)
            )
        ).all()
    return {("interview", i) if i else ("debrief", c) for i, c in rows}


def _check_interview(interview: Interview | None, recipient: str, invite: SentInvite) -> None:
    assert interview is not None, invite.uid
    cancelled = interview.status is InterviewStatus.CANCELLED or interview.interviewer_id != recipient
    assert invite.method == ("CANCEL" if cancelled else "REQUEST"), (invite.uid, recipient)
    assert invite.sequence == interview.invite_sequence, invite.uid
    assert invite.event.decoded("DTSTART") == interview.starts_at
    assert invite.event.decoded("DTEND") == interview_end(interview)
    assert invite.attendees == [interview.interviewer_id]


def _check_debrief(candidate: Candidate | None, recipient: str, invite: SentInvite) -> None:
    assert candidate is not None and candidate.debrief is not None, invite.uid
    team = invites.hiring_team(candidate.recruiter_id, candidate.hiring_manager_id, [m.user_id for m in candidate.team])
    assert invite.method == "REQUEST" and recipient in team
    assert invite.sequence == candidate.debrief.invite_sequence
    assert invite.event.decoded("DTSTART") == candidate.debrief.scheduled_at
    assert invite.event.decoded("DTEND") == candidate.debrief.scheduled_at + timedelta(minutes=DEBRIEF_MINUTES)
    assert invite.attendees == list(team)


def by_recipient(sent: list[SentInvite]) -> dict[str, list[SentInvite]]:
    out: dict[str, list[SentInvite]] = defaultdict(list)
    for invite in sent:
        out[invite.recipient].append(invite)
    return out
