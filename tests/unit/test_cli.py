"""The `hirebot` command line: help, the serve port, purge's confirmation, rubric checks and pipes."""

from __future__ import annotations

import argparse
import logging
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bot import cli
from bot.config import Settings
from db.migrate import upgrade
from rubrics.loader import PACKS_DIR

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for field in Settings.model_fields.values():
        monkeypatch.delenv(field.alias, raising=False)
    monkeypatch.delenv("PORT", raising=False)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    for name in ("slack_sdk", "slack_bolt"):
        monkeypatch.setattr(logging.getLogger(name), "level", logging.getLogger(name).level)


def subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    found = {}
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, child in action.choices.items():
                found[name] = child
                found.update({f"{name} {k}": v for k, v in subcommands(child).items()})
    return found


def test_every_subcommands_help_describes_it() -> None:
    commands = subcommands(cli.build_parser())
    assert {"run", "serve", "worker", "migrate", "export", "purge", "rubrics check"} <= set(commands)
    for name, parser in commands.items():
        assert parser.description and len(parser.description) > 15, name
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                continue  # the list of its subcommands, each with its own help
            assert action.help, f"{name} {action.dest} has no help"


def test_the_top_level_help_states_the_default_database(tmp_path: Path) -> None:
    unwrapped = "".join(cli.build_parser().format_help().split())
    assert str(tmp_path / "data" / "hirebot" / "hirebot.db") in unwrapped


def test_serve_port_reads_port_and_shows_its_default(monkeypatch: pytest.MonkeyPatch) -> None:
    assert cli.build_parser().parse_args(["serve"]).port == 3000
    monkeypatch.setenv("PORT", "8123")
    parser = cli.build_parser()
    assert parser.parse_args(["serve"]).port == 8123
    assert "here 8123" in subcommands(parser)["serve"].format_help()


def test_purge_from_a_script_needs_yes(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    upgrade(f"sqlite:///{Path.cwd()}/h.db")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{Path.cwd()}/h.db")
    monkeypatch.setattr(sys, "stdin", open("/dev/null"))
    assert cli.main(["purge", "--candidate", "7"]) == 2
    assert capsys.readouterr().err == "hirebot: purge asks for confirmation; pass --yes to run it from a script.\n"
    assert cli.main(["purge", "--candidate", "7", "--yes"]) == 2
    assert "there is no candidate 7 in this database" in capsys.readouterr().err


def test_purge_asks_and_a_no_purges_nothing(monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    upgrade(f"sqlite:///{Path.cwd()}/h.db")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{Path.cwd()}/h.db")
    monkeypatch.setattr(sys.stdin, "isatty", lambda: True)
    asked = []
    monkeypatch.setattr("builtins.input", lambda question: asked.append(question) or "n")
    assert cli.main(["purge", "--candidate", "7"]) == 1
    assert asked == ["Purge candidate 7's personal data? This cannot be undone. [y/N] "]
    assert "nothing purged" in capsys.readouterr().out


def test_rubrics_check_reads_hirebot_rubrics_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys) -> None:
    packs = tmp_path / "packs"
    packs.mkdir()
    shutil.copy(PACKS_DIR / "ml-engineer.yaml", packs / "ours.yaml")
    monkeypatch.setenv("HIREBOT_RUBRICS_DIR", str(packs))
    assert cli.main(["rubrics", "check"]) == 0
    out = capsys.readouterr().out
    assert str(packs / "ours.yaml") in out
    assert str(PACKS_DIR) not in out


def test_rubrics_check_into_a_closed_pipe_is_quiet(tmp_path: Path) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "rubrics", "check"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={"PATH": "/usr/bin:/bin", "XDG_DATA_HOME": str(tmp_path)},
    )
    process.stdout.close()  # `| head` that has already exited: every write fails with EPIPE
    _, err = process.communicate(timeout=30)
    assert b"BrokenPipeError" not in err and b"Traceback" not in err, err.decode()
    assert process.returncode == 1
