"""The calendar builder (bot/services/invites.py), read back with icalendar as a calendar would."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

from icalendar import Calendar

from bot.services import invites
from bot.services.invite_sending import comment
from bot.services.invites import Invite

LONDON = ZoneInfo("Europe/London")
STAMP = datetime(2030, 3, 1, 9, 0, tzinfo=UTC)


def make(**overrides) -> Invite:
    start = datetime(2030, 3, 6, 14, 0, tzinfo=LONDON)
    base = Invite(
        uid=invites.interview_uid(7),
        sequence=0,
        cancel=False,
        summary="Interview: Ada Lovelace (Coding round)",
        starts_at=start,
        ends_at=start + timedelta(hours=1),
        zone="Europe/London",
        organizer="URITA",
        attendees=("UPRIYA",),
        stage_name="Coding round",
        channel_id="C123",
        resume_url="https://example.com/cv.pdf",
        names={"URITA": "Rita Recruiter", "UPRIYA": "Priya Raman"},
    )
    return replace(base, **overrides)


def event_of(invite: Invite):
    cal = Calendar.from_ical(invites.calendar(invite, STAMP))
    return cal, cal.walk("VEVENT")[0]


def test_a_request_names_the_event_the_person_and_the_prep_details():
    cal, event = event_of(make())
    assert cal["METHOD"] == "REQUEST" and cal["X-WR-TIMEZONE"] == "Europe/London"
    assert event["UID"] == "interview-7@hirebot" and event["SEQUENCE"] == 0
    assert event.decoded("DTSTART") == datetime(2030, 3, 6, 14, 0, tzinfo=UTC)  # GMT in March, before the change
    assert event.decoded("DTEND") == datetime(2030, 3, 6, 15, 0, tzinfo=UTC)
    attendee = event["ATTENDEE"]
    assert invites.user_of(str(attendee)) == "UPRIYA" and attendee.params["CN"] == "Priya Raman"
    assert invites.user_of(str(event["ORGANIZER"])) == "URITA"
    text = str(event["DESCRIPTION"])
    assert "Stage: Coding round" in text
    assert "https://slack.com/app_redirect?channel=C123" in text
    assert "https://example.com/cv.pdf" in text


def test_times_are_utc_across_the_clocks_changing():
    # Sunday 29 March 2026: London goes from GMT to BST at 01:00 UTC. Times come from the
    # database in UTC (as here), so adding a duration is real elapsed time, not wall-clock time.
    before = datetime(2026, 3, 29, 0, 30, tzinfo=LONDON).astimezone(UTC)
    after = datetime(2026, 3, 29, 10, 0, tzinfo=LONDON).astimezone(UTC)
    _, early = event_of(make(starts_at=before, ends_at=before + timedelta(minutes=90)))
    _, late = event_of(make(starts_at=after, ends_at=after + timedelta(minutes=45)))
    assert early.decoded("DTSTART") == datetime(2026, 3, 29, 0, 30, tzinfo=UTC)
    # 00:30 GMT + 90 minutes is 03:00 BST: still 02:00 UTC, 90 minutes later.
    assert early.decoded("DTEND") == datetime(2026, 3, 29, 2, 0, tzinfo=UTC)
    assert late.decoded("DTSTART") == datetime(2026, 3, 29, 9, 0, tzinfo=UTC)
    raw = invites.calendar(make(starts_at=after, ends_at=after + timedelta(minutes=45)), STAMP).decode()
    assert "DTSTART:20260329T090000Z" in raw and "VTIMEZONE" not in raw
    assert "10:00 BST (Europe/London)" in str(late["COMMENT"])


def test_a_reschedule_raises_the_sequence_and_a_cancel_keeps_the_uid():
    _, first = event_of(make())
    _, moved = event_of(make(sequence=1, starts_at=make().starts_at + timedelta(days=1)))
    cal, cancelled = event_of(make(sequence=2, cancel=True))
    assert first["UID"] == moved["UID"] == cancelled["UID"]
    assert (first["SEQUENCE"], moved["SEQUENCE"], cancelled["SEQUENCE"]) == (0, 1, 2)
    assert cal["METHOD"] == "CANCEL" and cancelled["STATUS"] == "CANCELLED"


def test_what_people_typed_is_escaped_by_the_library_and_in_slack_text():
    name = 'Bobby "<!channel>"; DROP,\nTABLE'
    invite = make(summary=f"Interview: {name} (Coding round)", names={"UPRIYA": 'Pri "ya"; x'})
    raw = invites.calendar(invite, STAMP)
    _, event = event_of(invite)
    assert str(event["SUMMARY"]) == f"Interview: {name} (Coding round)"  # round-trips exactly
    assert event["ATTENDEE"].params["CN"] == 'Pri "ya"; x'
    assert b"\nTABLE" not in raw  # the newline is folded into \\n, not a new property
    text = comment(invite)
    assert "<!channel>" not in text and "&lt;!channel&gt;" in text


def test_a_resume_link_that_is_not_https_is_left_out():
    _, event = event_of(make(resume_url="javascript:alert(1)"))
    assert "javascript" not in str(event["DESCRIPTION"])


def test_the_google_calendar_link_is_a_url_encoded_template():
    invite = make(summary="Interview: A & B (Coding round)")
    parts = urlsplit(invites.google_link(invite))
    query = parse_qs(parts.query)
    assert parts.netloc == "calendar.google.com" and query["action"] == ["TEMPLATE"]
    assert query["text"] == ["Interview: A & B (Coding round)"]
    assert query["dates"] == ["20300306T140000Z/20300306T150000Z"]
    assert query["ctz"] == ["Europe/London"]
    assert "Stage: Coding round" in query["details"][0]
    assert "add it to Google Calendar>" in comment(invite)
    assert "Google" not in comment(replace(invite, cancel=True))  # a template link cannot remove an event


def test_the_debrief_goes_to_the_whole_team_once_each():
    team = invites.hiring_team("URITA", "UHANK", ["URITA", "UPRIYA", "UHANK", "UOMAR"])
    assert team == ("URITA", "UHANK", "UPRIYA", "UOMAR")
    _, event = event_of(make(uid=invites.debrief_uid(3), attendees=team))
    attendees = event["ATTENDEE"]
    assert event["UID"] == "debrief-3@hirebot"
    assert [invites.user_of(str(a)) for a in attendees] == list(team)
