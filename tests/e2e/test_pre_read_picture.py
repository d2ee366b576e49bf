"""The pre-read's heat map end to end: drawn after the ack, uploaded through Slack's external
upload flow, shown by an image block that names the file, replaced (never added to) when a late
scorecard updates the pre-read, and left out, without failing the pre-read, when Slack refuses it."""

from __future__ import annotations

import io
from dataclasses import replace

from PIL import Image
from slack_sdk.errors import SlackApiError
from slack_sdk.web import SlackResponse
from sqlalchemy import select

from bot.charts.heatmap import size
from bot.services.pre_read_pictures import FILENAME
from db.models import Debrief
from tests.e2e.test_debrief import at, form, loop_of_five, summaries

LATE_STAGE = "collaboration_communication"


def images(message: dict) -> list[dict]:
    return [b for b in message["blocks"] if b["type"] == "image"]


def stored_picture(bot, candidate) -> str | None:
    with bot.services.db.transaction() as session:
        return session.scalars(select(Debrief.picture_file_id).where(Debrief.candidate_id == candidate.id)).one()


def pre_read_files(bot) -> set[str]:
    """Files uploaded for pre-reads (recruiters' dashboards upload and replace their own charts)."""
    return {
        answered["file_id"]
        for name, asked, answered in bot.client.calls
        if name == "files.getUploadURLExternal" and asked["filename"] == FILENAME
    }


def exists(bot, file_id: str) -> bool:
    return bool(bot.emulator.post("files.info", file=file_id).get("ok"))


def post_at_its_time(bot, candidate) -> dict:
    bot.clock.set(at("2030-03-07 14:00"))
    bot.services.dispatcher.sweep()
    [message] = summaries(bot, candidate)
    return message


def late_scorecard(bot, interviews) -> None:
    """Nora's scorecard arrives after the posting, rating everything 1: the pre-read is refreshed."""
    bot.clock.set(at("2030-03-07 14:20"))
    late = replace(form(bot, LATE_STAGE), ratings=dict.fromkeys(form(bot, LATE_STAGE).ratings, 1))
    bot.services.scorecards.submit(interviews[4].id, bot.users["nora"], late)
    bot.run_background()


def test_the_heat_map_is_uploaded_shown_by_file_id_and_replaced_on_update(hirebot):
    candidate, interviews = loop_of_five(hirebot)
    first = post_at_its_time(hirebot, candidate)
    [block] = images(first)
    file_id = block["slack_file"]["id"]
    assert "image_url" not in block and block["alt_text"].startswith("Heat map of ratings on the 1 to 4 scale")
    assert "Priya Raman" in block["alt_text"]  # columns and alt text name interviewers, not ids
    # The upload was Slack's external flow, shared nowhere: the image block is where it shows.
    asked, answered = hirebot.client.last("files.completeUploadExternal")
    assert [f["id"] for f in answered["files"]] == [file_id] and "channels" not in asked
    upload_args, _ = hirebot.client.last("files.getUploadURLExternal")
    assert block["alt_text"].startswith(upload_args["alt_txt"].removesuffix("…"))
    png = hirebot.emulator.download(answered["files"][0]["url_private"])
    pack = hirebot.services.rubrics.get("ml-engineer")
    assert Image.open(io.BytesIO(png)).size == size(len(pack.competencies), 4)
    assert stored_picture(hirebot, candidate) == file_id

    late_scorecard(hirebot, interviews)
    [after] = summaries(hirebot, candidate)
    assert after["ts"] == first["ts"] and "5 of 5 scorecards" in after["text"]
    [replaced] = images(after)
    new_id = replaced["slack_file"]["id"]
    assert new_id != file_id and exists(hirebot, new_id)
    assert not exists(hirebot, file_id)  # the old picture is deleted, not left behind
    assert {"file": file_id} in hirebot.client.all("files.delete")
    assert "Nora Outsider" in replaced["alt_text"]
    assert stored_picture(hirebot, candidate) == new_id
    _, answered = hirebot.client.last("files.completeUploadExternal")
    assert hirebot.emulator.download(answered["files"][0]["url_private"]) != png


def _refuse_uploads(bot, monkeypatch, code: str = "file_uploads_disabled") -> list[str]:
    """Slack answers files.getUploadURLExternal with an error, as a workspace with uploads off does."""
    real, refused = bot.client.api_call, []

    def api_call(api_method, **kwargs):
        if api_method == "files.getUploadURLExternal":
            refused.append(api_method)
            data = {"ok": False, "error": code}
            response = SlackResponse(
                client=bot.client,
                http_verb="POST",
                api_url=api_method,
                req_args={},
                data=data,
                headers={},
                status_code=200,
            )
            raise SlackApiError(code, response)
        return real(api_method, **kwargs)

    monkeypatch.setattr(bot.client, "api_call", api_call)
    return refused


def test_a_refused_upload_posts_the_pre_read_without_a_picture_and_the_next_refresh_adds_it(hirebot, monkeypatch):
    candidate, interviews = loop_of_five(hirebot)
    refused = _refuse_uploads(hirebot, monkeypatch)
    first = post_at_its_time(hirebot, candidate)
    assert refused and images(first) == []
    assert "4 of 5 scorecards" in first["text"] and stored_picture(hirebot, candidate) is None
    monkeypatch.undo()  # uploads work again: the next refresh brings the picture
    late_scorecard(hirebot, interviews)
    [after] = summaries(hirebot, candidate)
    [block] = images(after)
    assert (
        exists(hirebot, block["slack_file"]["id"]) and stored_picture(hirebot, candidate) == block["slack_file"]["id"]
    )
    deleted = {call["file"] for call in hirebot.client.all("files.delete")}
    assert not deleted & pre_read_files(hirebot)  # there was nothing to replace


def test_a_refused_upload_on_refresh_drops_the_stale_picture(hirebot, monkeypatch):
    candidate, interviews = loop_of_five(hirebot)
    [block] = images(post_at_its_time(hirebot, candidate))
    _refuse_uploads(hirebot, monkeypatch, "internal_error")
    late_scorecard(hirebot, interviews)
    [after] = summaries(hirebot, candidate)
    # The old picture shows four scorecards: better none than a wrong one. It is deleted.
    assert images(after) == [] and "5 of 5 scorecards" in after["text"]
    assert not exists(hirebot, block["slack_file"]["id"]) and stored_picture(hirebot, candidate) is None
