"""The dashboard's pictures with fakes: uploaded once while their numbers stay the same, uploaded
again and the old file deleted (after every recruiter's Home moved on) when they change, and the
Home published without them when drawing, uploading or showing them fails."""

from __future__ import annotations

import logging
from dataclasses import replace

from bot.errors import SlackSetupError, SlackTimeout, SlackTransientError
from bot.services.dashboard import Chart
from bot.services.dashboard_pictures import FILENAMES, DashboardPictures
from tests.support.boards import agreement_row, board, open_loop
from tests.support.domain import new_loop, plan
from tests.support.fakes import MutableClock, RecordingGateway, RecordingRenderer, fake_services, unit_settings

RITA, ROSA = "U0RITA0001", "U0ROSA0001"


def pictures() -> tuple[DashboardPictures, RecordingGateway, RecordingRenderer]:
    slack, render = RecordingGateway(), RecordingRenderer()
    return DashboardPictures(slack, render), slack, render


def ids(charts) -> dict[Chart, str]:
    return {chart: image.file_id for chart, image in charts.images.items()}


def test_unchanged_numbers_are_drawn_and_uploaded_once():
    shown, slack, render = pictures()
    first = shown.current(board())
    again = shown.current(board())
    assert [c["filename"] for c in slack.called("upload_image")] == [
        FILENAMES[Chart.LOOP_AGES],
        FILENAMES[Chart.AGREEMENT],
    ]
    assert ids(first) == ids(again) and set(ids(first)) == {Chart.LOOP_AGES, Chart.AGREEMENT}
    assert len(render.of("loop_age_chart")) == 1 and not again.replaced
    assert render.of("loop_age_chart") == [((("Ada Lovelace", 10),), (4, 6))]


def test_changed_numbers_upload_that_chart_again_and_retire_the_old_file():
    shown, slack, _ = pictures()
    old = ids(shown.current(board()))
    older = shown.current(board([open_loop(days=11)]))  # a day later: the ages changed, alpha did not
    assert ids(older)[Chart.LOOP_AGES] != old[Chart.LOOP_AGES] and ids(older)[Chart.AGREEMENT] == old[Chart.AGREEMENT]
    assert len(slack.called("upload_image")) == 3 and older.replaced
    assert slack.called("delete_file") == []  # not yet: other Homes may still show it
    shown.discard_replaced()
    assert slack.called("delete_file") == [{"file_id": old[Chart.LOOP_AGES]}]
    shown.discard_replaced()
    assert len(slack.called("delete_file")) == 1 and not shown.current(board([open_loop(days=11)])).replaced


def test_a_chart_with_nothing_to_draw_is_left_out_and_its_file_retired():
    shown, slack, _ = pictures()
    old = ids(shown.current(board()))
    none = shown.current(board(loops=[], agreement=[]))
    assert none.images == {} and none.replaced
    shown.discard_replaced()
    assert sorted(c["file_id"] for c in slack.called("delete_file")) == sorted(old.values())


def test_a_failed_or_timed_out_upload_leaves_the_chart_out_and_is_retried(caplog):
    shown, slack, _ = pictures()
    slack.fail("upload_image", SlackTimeout("files.getUploadURLExternal"), times=2)
    with caplog.at_level(logging.WARNING):
        assert shown.current(board()).images == {}
    assert "not uploaded (timeout)" in caplog.text
    assert set(ids(shown.current(board()))) == {Chart.LOOP_AGES, Chart.AGREEMENT}  # the next refresh


def test_new_numbers_that_fail_to_upload_do_not_show_the_stale_picture():
    shown, slack, _ = pictures()
    old = ids(shown.current(board()))
    slack.fail("upload_image", SlackTransientError("files.completeUploadExternal", "internal_error"), times=1)
    changed = shown.current(board([open_loop(days=12)]))
    assert ids(changed) == {Chart.AGREEMENT: old[Chart.AGREEMENT]} and not changed.replaced
    retried = shown.current(board([open_loop(days=12)]))
    assert retried.replaced and ids(retried)[Chart.LOOP_AGES] != old[Chart.LOOP_AGES]


def test_a_drawing_that_breaks_leaves_the_chart_out(monkeypatch, caplog):
    shown, slack, render = pictures()

    def broken(rows):
        raise ValueError("Competency <b> broke the label parser")

    monkeypatch.setattr(render, "agreement_chart", broken)
    with caplog.at_level(logging.ERROR):
        assert set(ids(shown.current(board([], [agreement_row("Coding")])))) == set()
    assert "ValueError" in caplog.text and "broke" not in caplog.text  # the message may quote names
    assert slack.called("upload_image") == []


def test_a_failed_delete_is_logged_not_raised(caplog):
    shown, slack, _ = pictures()
    shown.current(board())
    shown.current(board([open_loop(days=20)]))
    slack.fail("delete_file", SlackSetupError("files.delete", "cant_delete_file"))
    shown.discard_replaced()
    assert "cant_delete_file" in caplog.text


def recruiters_world():
    world = fake_services(MutableClock(), unit_settings().model_copy(update={"recruiters": frozenset({RITA, ROSA})}))
    candidate_id = new_loop(world)
    world.services.loops.add_interview(candidate_id, plan(), RITA)
    world.services.background.drain()
    return world


def test_every_recruiter_shares_one_upload_and_the_home_carries_the_file_ids():
    world = recruiters_world()
    uploads = world.slack.called("upload_image")
    assert [u["filename"] for u in uploads].count(FILENAMES[Chart.LOOP_AGES]) == 1
    world.services.homes.refresh_dashboards()
    world.services.homes.refresh_homes(RITA)
    world.services.background.drain()
    assert len(world.slack.called("upload_image")) == len(uploads)  # nothing changed, nothing uploaded
    homes = world.render.of("home")[-3:]
    assert {h.user_id for h in homes} == {RITA, ROSA}
    assert all(Chart.LOOP_AGES in h.charts and h.load is not None for h in homes)
    assert len({h.charts[Chart.LOOP_AGES].file_id for h in homes}) == 1


def test_an_interviewers_home_has_no_pictures_and_no_load():
    world = recruiters_world()
    world.services.homes.refresh_homes("U0PRIYA001")
    home = world.render.of("home")[-1]
    assert home.user_id == "U0PRIYA001" and home.charts == {} and home.load is None and home.dashboard is None


def test_a_change_seen_by_one_recruiter_republishes_all_before_deleting_the_old_file():
    world = recruiters_world()
    recruiters_homes = [h for h in world.render.of("home") if h.user_id in (RITA, ROSA)]
    [old] = [h.charts[Chart.LOOP_AGES].file_id for h in recruiters_homes[-1:]]
    world.clock.advance(days=1)  # the loop is a day older: no event, just Rita opening her Home
    world.services.homes.refresh_homes(RITA)
    assert world.slack.called("delete_file") == []
    world.services.background.drain()  # every recruiter's Home republished, then the old file deleted
    after = [c.method for c in world.slack.calls]
    assert world.slack.called("delete_file") == [{"file_id": old}]
    last_rosa = max(i for i, c in enumerate(world.slack.calls) if c.method == "publish_home" and c.args["user"] == ROSA)
    assert last_rosa < after.index("delete_file")


def test_the_home_is_published_without_pictures_when_the_upload_fails_or_hangs():
    world = fake_services(MutableClock(), unit_settings().model_copy(update={"recruiters": frozenset({RITA})}))
    world.slack.fail("upload_image", SlackTimeout("files.getUploadURLExternal"))
    candidate_id = new_loop(world)
    world.services.loops.add_interview(candidate_id, plan(), RITA)
    world.services.background.drain()
    world.services.homes.refresh_homes(RITA)
    home = world.render.of("home")[-1]
    assert home.user_id == RITA and home.dashboard is not None and home.charts == {}
    assert world.slack.called("publish_home")[-1]["user"] == RITA


def test_a_refused_image_block_republishes_the_home_without_pictures():
    world = recruiters_world()
    world.slack.fail("publish_home", SlackTransientError("views.publish", "invalid_blocks"), times=1)
    world.services.homes.refresh_homes(RITA)
    first, second = world.render.of("home")[-2:]
    assert first.charts and second.charts == {} and replace(second, charts=first.charts) == first
    assert world.slack.called("publish_home")[-1]["user"] == RITA
