"""The pre-read's picture with fakes: uploaded with each posting, shown by id, replaced and the
old file deleted; and every way it can fail leaves the pre-read posted without it."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import select

from bot.errors import SlackError, SlackSetupError, SlackTimeout, SlackTransientError
from bot.services.pre_read_pictures import FILENAME
from db.models import Debrief
from tests.support.domain import at, new_loop, plan, submit
from tests.support.fakes import OMAR, PRIYA, RECRUITER


@pytest.fixture
def loop(world):
    """Two interviews, Priya's scorecard in, Omar's to come."""
    candidate_id = new_loop(world)
    loops = world.services.loops
    coding = loops.add_interview(candidate_id, plan("coding_round", PRIYA, "2030-03-04 10:00"), RECRUITER)
    design = loops.add_interview(candidate_id, plan("ml_system_design", OMAR, "2030-03-04 14:00"), RECRUITER)
    loops.set_debrief(candidate_id, "2030-03-06", "16:00", RECRUITER)
    world.clock.set(at("2030-03-05 09:00"))
    submit(world, coding, PRIYA)
    world.services.background.drain()
    world.slept = []
    world.services.debrief.pictures.sleep = world.slept.append
    return candidate_id, design


def pre_reads(world, method: str) -> list[dict]:
    return [c for c in world.slack.called(method) if c["text"] == "debrief"]


def uploads(world) -> list[dict]:
    """The pre-read's uploads (recruiters' dashboards upload their own charts beside them)."""
    return [call for call in world.slack.called("upload_image") if call["filename"] == FILENAME]


def images(call: dict) -> list[str]:
    return [b["slack_file"]["id"] for b in call["blocks"] if b["type"] == "image"]


def stored(world, candidate_id: int) -> str | None:
    with world.db.transaction() as session:
        return session.scalars(select(Debrief.picture_file_id).where(Debrief.candidate_id == candidate_id)).one()


def late_scorecard(world, design) -> None:
    submit(world, design, OMAR, stage_key="ml_system_design")
    world.services.background.drain()


def test_the_posting_uploads_a_picture_and_shows_it_by_file_id(world, loop):
    candidate_id, _ = loop
    world.services.debrief.post(candidate_id, RECRUITER)
    [upload] = uploads(world)
    assert upload["filename"] == FILENAME and upload["alt_text"] == "A heat map."
    [posted] = pre_reads(world, "post_message")
    [file_id] = images(posted)
    assert stored(world, candidate_id) == file_id
    # Drawn from the pre-read's own summary, with the interviewers' names for the columns.
    summary, names = world.render.of("pre_read_picture")[-1]
    assert summary is world.render.of("debrief")[-1][0] and names == {PRIYA: PRIYA.lower()}


def test_a_refresh_replaces_the_picture_and_deletes_the_old_file(world, loop):
    candidate_id, design = loop
    world.services.debrief.post(candidate_id, RECRUITER)
    [old] = images(pre_reads(world, "post_message")[-1])
    late_scorecard(world, design)
    [updated] = pre_reads(world, "update_message")
    [new] = images(updated)
    assert new != old and world.slack.called("delete_file") == [{"file_id": old}]
    assert stored(world, candidate_id) == new
    # The delete comes after the update: no moment where the message names a deleted file.
    methods = [c.method for c in world.slack.calls]
    assert methods.index("update_message") < methods.index("delete_file")


@pytest.mark.parametrize(
    "error",
    [
        SlackTimeout("files.getUploadURLExternal"),
        SlackSetupError("files.getUploadURLExternal", "file_uploads_disabled"),
    ],
)
def test_an_upload_that_fails_or_hangs_leaves_the_pre_read_without_a_picture(world, loop, error, caplog):
    candidate_id, design = loop
    world.slack.fail("upload_image", error, times=1)
    with caplog.at_level(logging.WARNING):
        world.services.debrief.post(candidate_id, RECRUITER)
    [posted] = pre_reads(world, "post_message")
    assert images(posted) == [] and stored(world, candidate_id) is None
    assert error.code in caplog.text
    late_scorecard(world, design)  # the next refresh tries again, and succeeds
    [updated] = pre_reads(world, "update_message")
    assert len(images(updated)) == 1 and stored(world, candidate_id) == images(updated)[0]
    assert world.slack.called("delete_file") == []


def test_a_drawing_that_breaks_does_not_stop_the_pre_read(world, loop, monkeypatch):
    candidate_id, _ = loop

    def broken(summary, names):
        raise ValueError("Priya's label broke the parser")

    monkeypatch.setattr(world.render, "pre_read_picture", broken)
    world.services.debrief.post(candidate_id, RECRUITER)
    assert images(pre_reads(world, "post_message")[0]) == [] and uploads(world) == []


def test_slack_refusing_the_image_block_is_retried_once_then_posted_without_it(world, loop):
    candidate_id, _ = loop
    world.slack.fail("post_message", SlackError("chat.postMessage", "invalid_blocks"), times=2)
    world.services.debrief.post(candidate_id, RECRUITER)
    first, again, plain = pre_reads(world, "post_message")
    assert images(first) == images(again) != [] and images(plain) == []
    assert world.slept == [2.0]  # Slack finishes processing an upload asynchronously
    assert world.slack.called("delete_file") == [{"file_id": images(first)[0]}]
    assert stored(world, candidate_id) is None


def test_a_picture_slack_was_still_processing_shows_on_the_second_try(world, loop):
    candidate_id, _ = loop
    world.slack.fail("post_message", SlackError("chat.postMessage", "invalid_blocks"), times=1)
    world.services.debrief.post(candidate_id, RECRUITER)
    first, again = pre_reads(world, "post_message")
    assert images(again) == images(first) and stored(world, candidate_id) == images(first)[0]
    assert world.slack.called("delete_file") == []


def test_a_failed_posting_deletes_the_new_picture_and_keeps_the_old_one(world, loop):
    candidate_id, design = loop
    world.services.debrief.post(candidate_id, RECRUITER)
    [old] = images(pre_reads(world, "post_message")[-1])
    world.slack.fail("update_message", SlackTransientError("chat.update", "internal_error"), times=1)
    with pytest.raises(SlackTransientError):
        world.services.debrief.post(candidate_id)
    [refused] = pre_reads(world, "update_message")
    assert world.slack.called("delete_file") == [{"file_id": images(refused)[0]}]
    assert stored(world, candidate_id) == old  # still what the message shows


def test_a_delete_that_fails_is_logged_not_raised(world, loop, caplog):
    candidate_id, design = loop
    world.services.debrief.post(candidate_id, RECRUITER)
    world.slack.fail("delete_file", SlackSetupError("files.delete", "cant_delete_file"))
    with caplog.at_level(logging.WARNING):
        late_scorecard(world, design)
    assert len(images(pre_reads(world, "update_message")[0])) == 1 and "cant_delete_file" in caplog.text


def test_a_column_whose_name_cannot_be_looked_up_shows_the_user_id(world, loop):
    candidate_id, _ = loop
    world.slack.fail("user_info", SlackTransientError("users.info", "internal_error"))
    world.services.debrief.post(candidate_id, RECRUITER)
    _, names = world.render.of("pre_read_picture")[-1]
    assert names == {PRIYA: PRIYA}


def test_nothing_rated_means_no_picture(world):
    candidate_id = new_loop(world)
    world.services.loops.add_interview(candidate_id, plan("coding_round", PRIYA, "2030-03-04 10:00"), RECRUITER)
    world.services.background.drain()
    world.services.debrief.post(candidate_id, RECRUITER)
    assert uploads(world) == [] and images(pre_reads(world, "post_message")[-1]) == []
