"""requirements.txt, what buildpacks install: pyproject.toml's runtime closure at constraints.txt's pins."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tools import lock

ROOT = Path(__file__).resolve().parents[2]


def test_requirements_txt_is_up_to_date() -> None:
    assert (ROOT / "requirements.txt").read_text(encoding="utf-8") == lock.render(), "run `make requirements`"


def test_every_runtime_dependency_is_pinned_and_hirebot_itself_is_installed() -> None:
    lines = [line for line in (ROOT / "requirements.txt").read_text().splitlines() if not line.startswith("#")]
    pins = lock.constraints(ROOT / "constraints.txt")
    for line in lines[:-1]:
        name, version = line.split("==")
        assert pins[name] == version
    # Transitive dependencies are in it too, not just pyproject's direct ones.
    assert {"pydantic-core", "mako", "psycopg-binary", "slack-sdk"} <= {line.split("==")[0] for line in lines}
    assert lines[-1] == "."


def test_a_dependency_missing_from_constraints_is_refused(tmp_path: Path) -> None:
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    kept = [line for line in (ROOT / "constraints.txt").read_text().splitlines() if not line.startswith("tzlocal")]
    (tmp_path / "constraints.txt").write_text("\n".join(kept))
    with pytest.raises(lock.LockError, match="tzlocal"):
        lock.render(tmp_path)


def test_the_python_version_file_matches_pyproject() -> None:
    version = (ROOT / ".python-version").read_text().strip()
    assert version == "3.11"
    assert 'requires-python = ">=3.11"' in (ROOT / "pyproject.toml").read_text()
