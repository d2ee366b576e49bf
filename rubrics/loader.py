"""Loading rubric packs from YAML, with errors that name the file, the field and the problem."""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import ValidationError

from rubrics.models import RubricPack

PACKS_DIR = Path(__file__).parent / "packs"


class RubricError(Exception):
    """A rubric pack that cannot be used. The message is meant for the person editing the YAML."""


def load_pack(path: str | Path) -> RubricPack:
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise RubricError(f"{path}: no such rubric pack") from None
    except yaml.YAMLError as exc:
        raise RubricError(f"{path}: not valid YAML: {exc}") from None
    if not isinstance(raw, dict):
        raise RubricError(f"{path}: a rubric pack is a YAML mapping at the top level")
    try:
        return RubricPack.model_validate(raw)
    except ValidationError as exc:
        raise RubricError(_describe(path, raw, exc)) from None


def _describe(path: Path, raw: dict, exc: ValidationError) -> str:
    lines = [f"{path}: {exc.error_count()} problem(s)"]
    for error in exc.errors():
        hint = ""
        if isinstance(error.get("input"), bool):
            hint = " (YAML reads a bare yes/no/on/off as true/false: put it in quotes)"
            if error["type"].startswith("int"):
                hint = " (YAML reads a bare yes/no/on/off as true/false: write a number)"
        message = error["msg"].removeprefix("Value error, ")
        where = _field(raw, error["loc"])
        if where == "(top level)" and ": " in message:
            # Cross-field checks name their own path, e.g. "stages[1](coding_round).competencies: ...".
            where, message = message.split(": ", 1)
        lines.append(f"  {where}: {message}{hint}")
    return "\n".join(lines)


def _field(raw: object, loc: tuple) -> str:
    """Render a pydantic location as a YAML path, naming list items by their key when they have one."""
    parts: list[str] = []
    node = raw
    for step in loc:
        if isinstance(step, int):
            item = node[step] if isinstance(node, list) and step < len(node) else None
            key = item.get("key") if isinstance(item, dict) else None
            label = f"[{step}]" + (f"({key})" if key else "")
            if parts:
                parts[-1] += label
            else:
                parts.append(label)
            node = item
        else:
            parts.append(str(step))
            node = node.get(step) if isinstance(node, dict) else None
    return ".".join(parts) or "(top level)"


class RubricRegistry:
    """The installed packs, by pack key. Loaded once at start-up; a broken pack stops the bot."""

    def __init__(self, packs: list[RubricPack]):
        self._packs = {pack.pack: pack for pack in packs}

    @classmethod
    def from_directory(cls, directory: str | Path = PACKS_DIR) -> RubricRegistry:
        files = sorted(Path(directory).glob("*.yaml"))
        if not files:
            raise RubricError(f"{directory}: no rubric packs (*.yaml) found")
        return cls([load_pack(f) for f in files])

    def get(self, key: str) -> RubricPack:
        try:
            return self._packs[key]
        except KeyError:
            raise RubricError(f"no rubric pack {key!r} is installed") from None

    def all(self) -> list[RubricPack]:
        return list(self._packs.values())
