"""`hirebot run` wires everything for Socket Mode: migrations, the app, the scheduler."""

from __future__ import annotations

from sqlalchemy import create_engine, inspect

from bot import cli
from tests.support.emulator import BOT_TOKEN


def test_run_migrates_builds_the_app_and_starts_the_scheduler(emulator, monkeypatch, tmp_path):
    started: dict[str, object] = {}

    class FakeSocketMode:
        """Socket Mode needs Slack's websocket; everything before that is real."""

        def __init__(self, app, app_token):
            started["app"], started["token"] = app, app_token

        def start(self) -> None:
            # What a connected bot would have while it runs: a live scheduler with its sweep job.
            scheduler = built[0]
            started["running"] = scheduler.running
            started["job"] = scheduler.get_job("hirebot.reminders.sweep") is not None
            started["mend"] = scheduler.get_job("hirebot.cards.mend") is not None

    import slack_bolt.adapter.socket_mode as socket_mode

    monkeypatch.setattr(socket_mode, "SocketModeHandler", FakeSocketMode)
    built = []
    from bot import scheduler as scheduler_module

    real_build = scheduler_module.build_scheduler

    def spy(dispatcher, interval_seconds=30, mender=None):
        scheduler = real_build(dispatcher, interval_seconds, mender)
        built.append(scheduler)
        return scheduler

    monkeypatch.setattr(scheduler_module, "build_scheduler", spy)
    monkeypatch.chdir(tmp_path)
    db = tmp_path / "run.db"
    for name, value in {
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_APP_TOKEN": "xapp-1-test",
        "SLACK_API_URL": emulator.api_url,
        "DATABASE_URL": f"sqlite:///{db}",
        "HIREBOT_RECRUITERS": emulator.users["rita"],
    }.items():
        monkeypatch.setenv(name, value)

    assert cli.main(["run"]) == 0
    assert started["token"] == "xapp-1-test"
    assert "candidates" in inspect(create_engine(f"sqlite:///{db}")).get_table_names()
    assert len(built) == 1 and started["running"] is True and started["job"] is True and started["mend"]
    assert not built[0].running  # shut down when the Socket Mode handler returned
