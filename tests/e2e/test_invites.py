"""Calendar invites end to end: planned, moved, handed over and cancelled interviews, and the
debrief, each an .ics uploaded to people's DMs through the emulator's external upload."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from bot.errors import SlackTransientError
from db.models import Interview, Reminder, ReminderKind, ReminderStatus
from handlers.ids import Action, Block, Callback
from tests.support.invites import by_recipient, check_invites
from tests.support.loops import add_interview, open_loop
from tests.support.slack import ack_json, clock_time, date, form_values, number, user
from tests.support.slack import select as pick


def planned(bot, who: str = "priya", day: str = "2030-03-06", at: str = "14:00"):
    candidate = open_loop(bot)
    add_interview(bot, candidate, "coding_round", who, day, at)
    with bot.services.db.transaction() as session:
        interview = session.scalars(select(Interview).where(Interview.candidate_id == candidate.id)).one()
    return candidate, interview


def reschedule(bot, candidate, interview, who: str, day: str, at: str) -> None:
    bot.slack.click(
        bot.users["rita"], Action.INTERVIEW_MENU, channel=candidate.channel_id, selected=f"reschedule:{interview.id}"
    )
    view = bot.slack.opened_view()
    assert view["callback_id"] == Callback.EDIT_INTERVIEW
    values = form_values(
        **{
            Block.STAGE: pick("coding_round"),
            Block.INTERVIEWER: user(bot.users[who]),
            Block.START_DATE: date(day),
            Block.START_TIME: clock_time(at),
            Block.DURATION: number(60),
        }
    )
    assert ack_json(bot.slack.submit(bot.users["rita"], view, values)) == {}
    bot.run_background()


def invites_to(bot, who: str):
    return by_recipient(check_invites(bot.client, bot.emulator, bot.services.db)).get(bot.users[who], [])


def test_a_planned_interview_sends_the_interviewer_an_invite_in_their_dm(hirebot):
    candidate, interview = planned(hirebot)
    [invite] = invites_to(hirebot, "priya")
    assert (invite.method, invite.uid, invite.sequence) == ("REQUEST", f"interview-{interview.id}@hirebot", 0)
    assert invite.event.decoded("DTSTART") == datetime(2030, 3, 6, 14, 0, tzinfo=UTC)  # London is on GMT then
    description = str(invite.event["DESCRIPTION"])
    assert "Coding round" in description and f"channel={candidate.channel_id}" in description
    assert "https://" in description.split("Résumé: ")[1]
    # Shared in the DM between the bot and Priya, with the Google Calendar link beside it.
    args, response = hirebot.client.last("files.completeUploadExternal")
    assert args["channels"] == hirebot.users["priya"]
    assert "calendar.google.com/calendar/render?action=TEMPLATE" in args["initial_comment"]
    assert response["files"][0]["name"].endswith(".ics")
    [dm] = response["files"][0]["ims"]
    assert dm.startswith("D") and hirebot.emulator.channel(dm)["user"] == hirebot.users["priya"]
    with hirebot.services.db.transaction() as session:
        row = session.scalars(select(Reminder).where(Reminder.kind == ReminderKind.INVITE)).one()
        assert row.status is ReminderStatus.SENT


def test_a_reschedule_sends_an_update_with_a_higher_sequence(hirebot):
    candidate, interview = planned(hirebot)
    reschedule(hirebot, candidate, interview, "priya", "2030-04-02", "10:00")
    # Both within the same minute: invites are not held back by the 15-minute reminder spacing.
    first, update = invites_to(hirebot, "priya")
    assert first.uid == update.uid and (first.sequence, update.sequence) == (0, 1)
    assert update.method == "REQUEST"
    # 2 April is after the clocks went forward: 10:00 BST is 09:00 UTC.
    assert update.event.decoded("DTSTART") == datetime(2030, 4, 2, 9, 0, tzinfo=UTC)
    assert "Updated invite" in hirebot.client.last("files.completeUploadExternal")[0]["initial_comment"]


def test_a_new_interviewer_gets_the_invite_and_the_old_one_a_cancellation(hirebot):
    candidate, interview = planned(hirebot)
    reschedule(hirebot, candidate, interview, "omar", "2030-03-06", "14:00")
    old = invites_to(hirebot, "priya")
    new = invites_to(hirebot, "omar")
    assert [(i.method, i.sequence) for i in old] == [("REQUEST", 0), ("CANCEL", 1)]
    assert [(i.method, i.sequence) for i in new] == [("REQUEST", 1)]
    assert old[-1].uid == new[0].uid == f"interview-{interview.id}@hirebot"
    assert new[0].attendees == [hirebot.users["omar"]]


def test_a_cancelled_interview_sends_a_cancellation_with_the_same_uid(hirebot):
    candidate, interview = planned(hirebot)
    hirebot.slack.click(
        hirebot.users["rita"], Action.INTERVIEW_MENU, channel=candidate.channel_id, selected=f"cancel:{interview.id}"
    )
    hirebot.run_background()
    request, cancel = invites_to(hirebot, "priya")
    assert (cancel.method, cancel.uid, cancel.sequence) == ("CANCEL", request.uid, 1)
    assert str(cancel.event["STATUS"]) == "CANCELLED"


def set_debrief(bot, candidate, day: str, at: str) -> None:
    bot.slack.click(bot.users["rita"], Action.SET_DEBRIEF, str(candidate.id), channel=candidate.channel_id)
    view = bot.slack.opened_view()
    bot.slack.submit(
        bot.users["rita"], view, form_values(**{Block.DEBRIEF_DATE: date(day), Block.DEBRIEF_TIME: clock_time(at)})
    )
    bot.run_background()


def test_the_debrief_invites_the_whole_hiring_team_and_updates_it(hirebot):
    candidate, interview = planned(hirebot)
    set_debrief(hirebot, candidate, "2030-03-12", "14:00")
    set_debrief(hirebot, candidate, "2030-03-13", "15:00")
    sent = check_invites(hirebot.client, hirebot.emulator, hirebot.services.db)
    debrief = [i for i in sent if i.uid == f"debrief-{candidate.id}@hirebot"]
    team = {hirebot.users[h] for h in ("rita", "hank", "priya")}
    assert team <= {i.recipient for i in debrief}
    assert {i.sequence for i in debrief} == {0, 1}
    for invite in debrief:
        assert team <= set(invite.attendees)
    latest = [i for i in debrief if i.sequence == 1]
    assert {i.recipient for i in latest} == {i.recipient for i in debrief}
    assert latest[0].event.decoded("DTSTART") == datetime(2030, 3, 13, 15, 0, tzinfo=UTC)


def test_an_upload_that_fails_is_retried_by_the_sweep(hirebot, monkeypatch):
    real = hirebot.services.slack.upload_file
    calls = []

    def flaky(*args, **kwargs):
        calls.append(args[0])
        if len(calls) == 1:
            raise SlackTransientError("files.completeUploadExternal", "internal_error")
        return real(*args, **kwargs)

    monkeypatch.setattr(hirebot.services.slack, "upload_file", flaky)
    candidate, interview = planned(hirebot)
    assert invites_to(hirebot, "priya") == []
    with hirebot.services.db.transaction() as session:
        row = session.scalars(select(Reminder).where(Reminder.kind == ReminderKind.INVITE)).one()
        assert (row.status, row.attempts, row.last_error) == (ReminderStatus.PENDING, 1, "internal_error")
        retry_at = row.due_at
    hirebot.clock.set(retry_at)
    assert hirebot.services.dispatcher.sweep(kinds=(ReminderKind.INVITE,)).sent == 1
    [invite] = invites_to(hirebot, "priya")
    assert (invite.method, invite.sequence) == ("REQUEST", 0)


def test_an_interviewer_who_joins_after_the_debrief_was_set_is_invited_to_it(hirebot):
    candidate, interview = planned(hirebot)
    set_debrief(hirebot, candidate, "2030-03-12", "14:00")
    add_interview(hirebot, candidate, "ml_system_design", "lars", "2030-03-07", "10:00")
    uid = f"debrief-{candidate.id}@hirebot"
    [lars] = [i for i in invites_to(hirebot, "lars") if i.uid == uid]
    assert lars.sequence == 1 and hirebot.users["lars"] in lars.attendees
    # Everyone else's copy is updated too, so every calendar lists the same people (checked
    # against the database after the test).
    assert [i.sequence for i in invites_to(hirebot, "hank") if i.uid == uid] == [0, 1]
