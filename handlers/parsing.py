"""Raw Slack payloads stop here: each becomes a small pydantic model with the fields we use."""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from handlers.ids import element_id


class _Payload(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class SlashCommand(_Payload):
    user_id: str
    channel_id: str
    text: str = ""
    trigger_id: str
    # Where to answer later (work after the ack): any conversation, 5 times in 30 minutes.
    response_url: str | None = None

    @property
    def subcommand(self) -> tuple[str, str]:
        word, _, rest = self.text.strip().partition(" ")
        return word.lower(), rest.strip()


class _User(_Payload):
    id: str


class _Channel(_Payload):
    id: str


class _Action(_Payload):
    action_id: str
    value: str | None = None
    selected_option: dict[str, Any] | None = None
    selected_user: str | None = None
    selected_date: str | None = None
    selected_time: str | None = None

    @property
    def chosen(self) -> str:
        for picked in (self.value, self.selected_user, self.selected_date, self.selected_time):
            if picked is not None:
                return picked
        return (self.selected_option or {}).get("value", "")


class BlockAction(_Payload):
    user: _User
    trigger_id: str
    channel: _Channel | None = None
    actions: list[_Action] = Field(min_length=1)
    view: dict[str, Any] | None = None

    @property
    def user_id(self) -> str:
        return self.user.id

    @property
    def channel_id(self) -> str | None:
        return self.channel.id if self.channel else None

    @property
    def value(self) -> str:
        return self.actions[0].chosen

    @property
    def action_id(self) -> str:
        return self.actions[0].action_id

    @property
    def view_state(self) -> ViewState:
        """The modal's inputs as they stand, with the element just changed (a select, a date) in them."""
        values = {k: dict(v) for k, v in ((self.view or {}).get("state") or {}).get("values", {}).items()}
        act = self.actions[0]
        block = act.action_id.removesuffix(".value")
        element = {
            key: getattr(act, key)
            for key in ("selected_user", "selected_date", "selected_time", "selected_option")
            if getattr(act, key) is not None
        }
        if element:
            values.setdefault(block, {})[act.action_id] = element
        return ViewState(values)

    @property
    def view_metadata(self) -> dict[str, Any]:
        """The private_metadata of the modal the click came from ({} outside a modal)."""
        return _metadata((self.view or {}).get("private_metadata"))


class ViewState:
    """Typed reads of `view.state.values`; each input block holds one element (see ids.element_id)."""

    def __init__(self, values: dict[str, dict[str, dict[str, Any]]]):
        self._values = values

    def _element(self, block: str) -> dict[str, Any]:
        return self._values.get(block, {}).get(element_id(block), {})

    def text(self, block: str) -> str:
        return (self._element(block).get("value") or "").strip()

    def selected(self, block: str) -> str:
        return (self._element(block).get("selected_option") or {}).get("value", "")

    def selected_many(self, block: str) -> list[str]:
        return [o.get("value", "") for o in self._element(block).get("selected_options") or []]

    def user(self, block: str) -> str:
        return self._element(block).get("selected_user") or ""

    def users(self, block: str) -> list[str]:
        return list(self._element(block).get("selected_users") or [])

    def date(self, block: str) -> str:
        return self._element(block).get("selected_date") or ""

    def time(self, block: str) -> str:
        return self._element(block).get("selected_time") or ""

    def number(self, block: str, default: int = 0) -> int:
        try:
            return int(self._element(block).get("value") or default)
        except (TypeError, ValueError):
            return default

    def raw(self) -> dict[str, Any]:
        return self._values


class ViewSubmission(_Payload):
    user: _User
    view: dict[str, Any]

    @property
    def user_id(self) -> str:
        return self.user.id

    @property
    def state(self) -> ViewState:
        return ViewState(self.view.get("state", {}).get("values", {}))

    @property
    def metadata(self) -> dict[str, Any]:
        return _metadata(self.view.get("private_metadata"))

    @property
    def view_id(self) -> str:
        return self.view.get("id", "")


class AppHomeOpened(_Payload):
    user: str
    tab: str = "home"


def _metadata(raw: str | None) -> dict[str, Any]:
    try:
        data = json.loads(raw or "{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}
