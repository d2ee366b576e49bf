"""`/hire pool` and its modal: recruiters keep the interviewer pool of each stage."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack

from bot.container import Services
from bot.services.pools import PoolKey, parse_role
from db.vocabulary import PoolRole
from handlers.builders.pools import pool_modal
from handlers.errors import submit
from handlers.ids import Action, Block, Callback, element_id
from handlers.parsing import BlockAction, SlashCommand, ViewSubmission
from handlers.table import action, click, view


def open_pool(services: Services, cmd: SlashCommand) -> str:
    """`/hire pool [pack/stage]`: recruiters only; the modal opens on the first stage."""
    services.pools.ensure_recruiter(cmd.user_id)
    key = services.pools.key_of(cmd.subcommand[1])
    pool = services.pools.view(key.pack, key.stage)
    services.slack.open_view(cmd.trigger_id, pool_modal(services.rubrics.all(), pool))
    return ""


def _redraw(services: Services, click: BlockAction, key: PoolKey) -> None:
    """The modal again, on `key`'s pool, with the people and role picked so far kept."""
    state = click.view_state
    role = state.selected(Block.POOL_ROLE) or PoolRole.TRAINED
    pool = services.pools.view(key.pack, key.stage)
    modal = pool_modal(services.rubrics.all(), pool, state.users(Block.POOL_PEOPLE), parse_role(role))
    view = click.view or {}
    services.slack.update_view(view["id"], modal, hash=view.get("hash"))


def _stage_picked(services: Services, click: BlockAction) -> None:
    services.pools.ensure_recruiter(click.user_id)
    _redraw(services, click, services.pools.key_of(click.value))


def _member_changed(services: Services, click: BlockAction) -> None:
    verb, _, user = click.value.partition(":")
    meta = click.view_metadata
    key = services.pools.check_key(str(meta.get("pack", "")), str(meta.get("stage", "")))
    if verb == "remove":
        services.pools.remove(click.user_id, key, user)
    else:
        services.pools.set_role(click.user_id, key, user, parse_role(verb))
    _redraw(services, click, key)


def _added(services: Services, ack: Ack, body: dict[str, Any]) -> None:
    sub = ViewSubmission.model_validate(body)
    state = sub.state

    def add() -> dict[str, Any]:
        key = services.pools.key_of(state.selected(Block.POOL_STAGE) or "?")
        services.pools.add(
            sub.user_id, key, state.users(Block.POOL_PEOPLE), parse_role(state.selected(Block.POOL_ROLE))
        )
        # The modal stays open on the pool as it now is, ready for the next stage.
        return pool_modal(services.rubrics.all(), services.pools.view(key.pack, key.stage))

    submit(ack, Block.POOL_STAGE, add)


LISTENERS = [
    view(Callback.POOL, _added),
    action(element_id(Block.POOL_STAGE), click(_stage_picked, answer_in_channel=False)),
    action(Action.POOL_MEMBER, click(_member_changed, answer_in_channel=False)),
]
