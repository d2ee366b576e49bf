"""A pack's training settings: how many practice interviews make a trainee ready, and the loader's errors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from rubrics.loader import PACKS_DIR, RubricError, load_pack

PACK_FILE = PACKS_DIR / "ml-engineer.yaml"


def write_pack(tmp_path: Path, training: Any) -> Path:
    data = yaml.safe_load(PACK_FILE.read_text(encoding="utf-8"))
    if training is None:
        del data["training"]
    else:
        data["training"] = training
    path = tmp_path / "pack.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def error_of(path: Path) -> str:
    with pytest.raises(RubricError) as caught:
        load_pack(path)
    return str(caught.value)


def test_the_ml_pack_asks_for_two_shadows_and_one_reverse_shadow() -> None:
    training = load_pack(PACK_FILE).training
    assert training is not None
    assert (training.shadows, training.reverse_shadows) == (2, 1)


def test_a_pack_without_training_never_offers_graduation(tmp_path: Path) -> None:
    assert load_pack(write_pack(tmp_path, None)).training is None


@pytest.mark.parametrize(
    ("training", "said"),
    [
        ({"shadows": -1, "reverse_shadows": 1}, "training.shadows: Input should be greater than or equal to 0"),
        ({"shadows": 2, "reverse_shadows": 21}, "training.reverse_shadows: Input should be less than or equal to 20"),
        ({"shadows": "two", "reverse_shadows": 1}, "training.shadows: Input should be a valid integer"),
        ({"shadows": 2}, "training.reverse_shadows: Field required"),
        ({"shadows": 2, "reverse_shadows": 1, "shadowz": 3}, "training.shadowz: Extra inputs are not permitted"),
        ({"shadows": 0, "reverse_shadows": 0}, "asks for no practice at all"),
        ({"shadows": True, "reverse_shadows": 1}, "write a number"),
    ],
)
def test_bad_training_settings_are_named_with_the_field(tmp_path: Path, training: dict, said: str) -> None:
    path = write_pack(tmp_path, training)
    message = error_of(path)
    assert str(path) in message and said in message
