"""The harness itself, driven the way Slack drives the app."""

from __future__ import annotations

import json

from tests.support.slack import ack_json, sign


def test_help_lists_every_subcommand(hirebot):
    reply = ack_json(hirebot.slack.command(hirebot.users["nora"], "help"))
    for sub in ("new", "schedule", "debrief", "status", "help"):
        assert f"/hire {sub}" in reply["text"]


def test_non_recruiter_is_refused_politely_and_nothing_opens(hirebot):
    reply = ack_json(hirebot.slack.command(hirebot.users["nora"], "new"))
    assert "Only recruiters can open hiring loops" in reply["text"]
    assert "views.open" not in hirebot.client.methods()


def test_unknown_subcommand_points_to_help(hirebot):
    reply = ack_json(hirebot.slack.command(hirebot.users["rita"], "frobnicate"))
    assert "/hire frobnicate" in reply["text"] and "/hire help" in reply["text"]


def test_badly_signed_request_is_rejected(hirebot):
    from slack_bolt import BoltRequest

    body = "command=%2Fhire&text=help&user_id=U1&channel_id=C1&trigger_id=t&team_id=T1"
    headers = {"content-type": "application/x-www-form-urlencoded", **sign(body, secret="not-the-secret")}
    response = hirebot.slack.app.dispatch(BoltRequest(body=body, headers=headers))
    assert response.status == 401


def test_stale_request_is_rejected(hirebot):
    from slack_bolt import BoltRequest

    body = "command=%2Fhire&text=help&user_id=U1&channel_id=C1&trigger_id=t&team_id=T1"
    headers = {"content-type": "application/x-www-form-urlencoded", **sign(body, timestamp=1_000_000_000)}
    response = hirebot.slack.app.dispatch(BoltRequest(body=body, headers=headers))
    assert response.status == 401
    assert json.loads(response.body or "{}").get("error", "") in ("invalid request", "")


def test_an_unexpected_failure_is_logged_without_the_payload_and_the_user_is_told(hirebot, monkeypatch, caplog):
    def broken(user_id):
        raise RuntimeError("the database is on fire")

    monkeypatch.setattr(hirebot.services.loops, "personal", broken)
    response = hirebot.slack.command(hirebot.users["priya"], "status secret-candidate-name")
    assert response.status == 500
    # Told through the command's response_url: no Web API call, wherever the command was typed.
    [told] = hirebot.slack.replies()
    assert told["response_type"] == "ephemeral" and "Something went wrong on our side" in told["text"]
    assert "chat.postMessage" not in hirebot.client.methods()
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "unhandled RuntimeError" in logged and "secret-candidate-name" not in logged
