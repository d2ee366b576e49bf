"""The listener table: one Bolt listener per kind, routing by exact id."""

from __future__ import annotations

import json
from typing import Any

import pytest
import slack_bolt.listener_matcher.builtins as bolt_matchers
from slack_bolt import App, BoltRequest
from slack_bolt.authorization import AuthorizeResult

from handlers.table import On, action, event, register_table, view, view_closed

SERVICES: Any = object()  # the table hands it to listeners untouched


def _app(table: list[On]) -> App:
    app = App(
        signing_secret="unused",
        request_verification_enabled=False,
        process_before_response=True,  # as bot/app.py: listeners run inside dispatch
        authorize=lambda **_: AuthorizeResult(
            enterprise_id=None, team_id="T1", bot_user_id="U0BOT", bot_token="xoxb-x"
        ),
    )
    register_table(app, SERVICES, table)
    return app


def _dispatch(app: App, payload: dict[str, Any]) -> int:
    body = {"team": {"id": "T1"}, "user": {"id": "U1"}, **payload}
    return app.dispatch(BoltRequest(body=json.dumps(body), headers={"content-type": ["application/json"]})).status


def _click(action_id: str) -> dict[str, Any]:
    return {"type": "block_actions", "actions": [{"action_id": action_id, "block_id": "b", "type": "button"}]}


def _submission(callback_id: str, kind: str = "view_submission") -> dict[str, Any]:
    return {"type": kind, "view": {"id": "V1", "type": "modal", "callback_id": callback_id, "state": {"values": {}}}}


def _recording(name: str, calls: list[str]):
    def listener(services: Any, ack: Any, body: dict[str, Any]) -> None:
        assert services is SERVICES
        ack()
        calls.append(name)

    return listener


def test_each_id_reaches_its_own_listener_and_no_other() -> None:
    calls: list[str] = []
    app = _app(
        [
            action("open", _recording("open", calls)),
            action("open.more", _recording("open.more", calls)),  # a regex would match "openXmore"
            view("scorecard", _recording("submitted", calls)),
            view_closed("scorecard", _recording("closed", calls)),
            event("app_home_opened", _recording("home", calls)),
        ]
    )
    assert _dispatch(app, _click("open.more")) == 200
    assert _dispatch(app, _click("open")) == 200
    assert _dispatch(app, _submission("scorecard")) == 200
    assert _dispatch(app, _submission("scorecard", "view_closed")) == 200
    event_body = {"type": "event_callback", "event": {"type": "app_home_opened", "user": "U1", "tab": "home"}}
    assert _dispatch(app, event_body) == 200
    assert calls == ["open.more", "open", "submitted", "closed", "home"]

    # Not in the table: Bolt answers 404 as for any unhandled request, and nothing runs.
    for unknown in (_click("openXmore"), _click("ope"), _click("open\n"), _submission("scorecard2")):
        assert _dispatch(app, unknown) == 404
    assert len(calls) == 5


def test_a_request_builds_bolts_arguments_for_one_matcher_per_kind_not_one_per_listener(monkeypatch) -> None:
    calls: list[str] = []
    table = [action(f"button-{n}", _recording(f"button-{n}", calls)) for n in range(30)]
    app = _app([*table, view("scorecard", _recording("submitted", calls))])
    built = 0
    real = bolt_matchers.build_required_kwargs

    def counting(**kwargs: Any) -> dict[str, Any]:
        nonlocal built
        built += 1
        return real(**kwargs)

    monkeypatch.setattr(bolt_matchers, "build_required_kwargs", counting)
    assert _dispatch(app, _submission("scorecard")) == 200
    assert calls == ["submitted"]
    assert built <= 2, built  # the actions' matcher, then the views'; it was 31 with a listener per id


def test_two_listeners_for_one_id_are_refused_at_start_up() -> None:
    noop = _recording("x", [])
    with pytest.raises(ValueError, match="two action listeners for 'open'"):
        _app([action("open", noop), action("open", noop)])
    _app([view("open", noop), view_closed("open", noop), action("open", noop)])  # other kinds: fine


def test_an_unknown_kind_is_refused() -> None:
    with pytest.raises(ValueError, match="no listener kind 'shortcut'"):
        _app([On("shortcut", "x", _recording("x", []))])
