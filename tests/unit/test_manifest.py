"""manifest.json against Slack's manifest schema, and the Web API methods hirebot calls against Slack's reference."""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import pytest

from bot.slack_gateway import METHOD_TIERS, POST_MESSAGE, SPECIAL_METHODS

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data"
METHODS_DIR = DATA / "slack_methods"
CALLED_METHODS = sorted({*METHOD_TIERS, *SPECIAL_METHODS})


@pytest.fixture(scope="module")
def manifest() -> dict:
    return json.loads((ROOT / "manifest.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def bot_scopes(manifest: dict) -> set[str]:
    return set(manifest["oauth_config"]["scopes"]["bot"])


def reference(method: str) -> dict:
    return json.loads((METHODS_DIR / f"{method}.json").read_text(encoding="utf-8"))


def test_the_manifest_validates_against_slacks_schema(manifest: dict) -> None:
    schema = json.loads((DATA / "manifest.schema.json").read_text(encoding="utf-8"))
    jsonschema.Draft7Validator.check_schema(schema)
    validator = jsonschema.Draft7Validator(schema)
    problems = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(manifest)]
    assert problems == []


def test_the_schema_does_reject_a_broken_manifest(manifest: dict) -> None:
    """A control: the schema really checks the fields we rely on."""
    schema = json.loads((DATA / "manifest.schema.json").read_text(encoding="utf-8"))
    broken = json.loads(json.dumps(manifest))
    broken["display_information"]["name"] = "x" * 40
    broken["features"]["slash_commands"][0]["command"] = "hire"  # no leading slash
    assert len(list(jsonschema.Draft7Validator(schema).iter_errors(broken))) >= 1


def test_the_hire_command_is_declared(manifest: dict) -> None:
    commands = [c["command"] for c in manifest["features"]["slash_commands"]]
    assert commands == ["/hire"]
    hire = manifest["features"]["slash_commands"][0]
    assert hire["should_escape"] is True  # user mentions arrive as <@U...>, which the parser expects


def test_display_name_fits(manifest: dict) -> None:
    name = manifest["display_information"]["name"]
    assert 1 <= len(name) <= 35


def test_socket_mode_interactivity_and_home_tab(manifest: dict) -> None:
    assert manifest["settings"]["socket_mode_enabled"] is True
    assert manifest["settings"]["interactivity"]["is_enabled"] is True
    assert manifest["features"]["app_home"]["home_tab_enabled"] is True
    assert "app_home_opened" in manifest["settings"]["event_subscriptions"]["bot_events"]


def test_the_bot_scopes_are_exactly_what_the_code_uses(bot_scopes: set[str]) -> None:
    # users:read.email was asked for, but no code reads an email address: a recruiting bot
    # should not hold personal data it has no use for.
    # files:write: calendar invites are .ics files shared in the interviewer's DM; the pre-read's
    # heat map is an uploaded image (and the picture it replaces is deleted).
    assert bot_scopes == {
        "commands",
        "chat:write",
        "groups:write",
        "users:read",
        "pins:write",
        "bookmarks:write",
        "files:write",
    }
    # Least privilege: no reading of channel history, no public-channel management.
    assert not {"channels:history", "groups:history", "channels:manage", "admin"} & bot_scopes


def test_every_called_method_has_a_reference_file() -> None:
    missing = [m for m in CALLED_METHODS if not (METHODS_DIR / f"{m}.json").is_file()]
    assert missing == []


@pytest.mark.parametrize("method", sorted(METHOD_TIERS))
def test_the_gateway_tier_matches_slacks(method: str) -> None:
    published = reference(method)["rate_limits"]
    assert re.fullmatch(r"t[1-4]", published), f"{method}: unexpected tier {published!r}"
    assert METHOD_TIERS[method] == int(published[1:])


def test_post_message_is_special_rate_limited_not_tiered() -> None:
    # Slack lists chat.postMessage as "special" (t5 in the reference): about 1/s per channel.
    assert reference(POST_MESSAGE)["rate_limits"] == "t5"
    assert POST_MESSAGE not in METHOD_TIERS
    # So is auth.test, the start-up token check; it needs no scope.
    assert reference("auth.test")["rate_limits"] == "t5" and "auth.test" not in METHOD_TIERS


def _methods_called_in_code() -> set[str]:
    """Methods named in a `call("...")` or a `POST_MESSAGE` call in the product code."""
    found: set[str] = set()
    for folder in ("bot", "handlers"):
        for path in (ROOT / folder).rglob("*.py"):
            text = path.read_text(encoding="utf-8")
            found |= set(re.findall(r"""\.call\(\s*["']([a-zA-Z]+\.[a-zA-Z.]+)["']""", text))
            if re.search(r"\.call\(\s*POST_MESSAGE", text):
                found.add(POST_MESSAGE)
    return found


def test_the_code_calls_only_methods_with_a_known_tier() -> None:
    called = _methods_called_in_code()
    assert POST_MESSAGE in called and "conversations.create" in called  # the scan finds real calls
    assert called <= set(CALLED_METHODS), called - set(CALLED_METHODS)


# Scopes. The reference's "scope" field is {"bot": [...], "user": [...]}: for the bot token,
# any ONE of the listed scopes is enough, and the list covers every kind of conversation
# (channels:*, groups:*, im:*, mpim:*). hirebot only ever works in private channels it
# created, so for conversations.* methods the scope that must be satisfied is one that
# applies to private channels: a groups:* scope (e.g. groups:write, groups:write.invites,
# groups:write.topic). A public-channel scope such as channels:manage would not let the bot
# act on its private channels, so it must not count. views.* need no scope (empty "scope").


def _applicable(method: str, scopes: list[str]) -> list[str]:
    if method.startswith("conversations."):
        return [s for s in scopes if s.startswith("groups:")]
    return scopes


@pytest.mark.parametrize("method", CALLED_METHODS)
def test_the_manifest_grants_each_called_method(method: str, bot_scopes: set[str]) -> None:
    scope = reference(method).get("scope") or {}
    options = scope.get("bot", [])
    if not options:
        return  # views.* take no scope
    applicable = _applicable(method, options)
    assert applicable, f"{method}: the reference lists no scope for private channels: {options}"
    assert set(applicable) & bot_scopes, f"{method} needs one of {applicable}; the manifest has {sorted(bot_scopes)}"


def test_a_private_channel_scope_is_required_for_conversations() -> None:
    """A control: channels:manage alone would not satisfy the rule above."""
    options = reference("conversations.create")["scope"]["bot"]
    assert "channels:manage" in options
    assert not set(_applicable("conversations.create", options)) & {"channels:manage", "channels:write"}
