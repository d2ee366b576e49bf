"""The malloc arena limit that keeps drawing threads from growing a process (bot/memory.py)."""

import os
import subprocess
import sys

import pytest

from bot import cli

SNIPPET = "from bot.memory import limit_malloc_arenas; print(limit_malloc_arenas())"


def _run(env_extra: dict[str, str]) -> str:
    env = {k: v for k, v in os.environ.items() if k != "MALLOC_ARENA_MAX"} | env_extra
    done = subprocess.run([sys.executable, "-c", SNIPPET], env=env, capture_output=True, text=True, timeout=60)
    return done.stdout.strip()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's mallopt")
def test_glibc_takes_the_limit() -> None:
    assert _run({}) == "True"


def test_an_operators_own_setting_wins() -> None:
    assert _run({"MALLOC_ARENA_MAX": "4"}) == "False"


def test_every_cli_process_sets_it_before_its_work(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    monkeypatch.setattr(cli, "limit_malloc_arenas", lambda: calls.append("limited"))
    monkeypatch.setattr(cli, "configure_logging", lambda verbose: calls.append("logging"))
    assert cli.main(["rubrics", "check"]) == 0
    assert calls[:2] == ["limited", "logging"]


def test_the_gunicorn_master_sets_it_for_the_workers_it_forks() -> None:
    source = open(os.path.join(os.path.dirname(cli.__file__), "gunicorn_conf.py"), encoding="utf-8").read()
    on_starting = source[source.index("def on_starting") :]
    assert on_starting.splitlines()[1].strip().startswith("limit_malloc_arenas()")


def test_a_web_worker_freezes_what_it_loaded_and_collects_its_young_less_often() -> None:
    """gunicorn's post_worker_init: the app's long-lived objects leave the collector's walk,
    and young collections run at YOUNG_THRESHOLD, not Python's default 700."""
    probe = (
        "import gc, os, shutil\n"
        "import bot.gunicorn_conf as conf\n"
        "from bot.memory import YOUNG_THRESHOLD\n"
        "before = gc.get_freeze_count()\n"
        "conf.post_worker_init(None)\n"
        "print(before, gc.get_freeze_count() > 10_000, gc.get_threshold()[0] == YOUNG_THRESHOLD)\n"
        "shutil.rmtree(os.environ['PROMETHEUS_MULTIPROC_DIR'])\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "PROMETHEUS_MULTIPROC_DIR"}
    done = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, timeout=60)
    assert done.stdout.split() == ["0", "True", "True"], done.stderr
