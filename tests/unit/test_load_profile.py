"""load.py --profile's reading of py-spy's raw output (benchmarks/pyspy.py)."""

from __future__ import annotations

from benchmarks.pyspy import ROOT, summarise_profile


def test_samples_are_summed_by_package_by_function_and_by_the_hirebot_code_waiting_on_the_database(tmp_path):
    site = "/venv/lib/python3.11/site-packages"
    submit = f"_submit_scorecard ({ROOT}/handlers/scorecards.py:40);_lock ({ROOT}/bot/services/scorecards.py:239)"
    raw = tmp_path / "profile-1.txt"
    raw.write_text(
        f"run ({ROOT}/bot/web.py:50);{submit};wait ({site}/psycopg/connection.py:900) 30\n"
        f"run ({ROOT}/bot/web.py:50);_status ({ROOT}/handlers/commands.py:67) 10\n"
    )
    lines = summarise_profile([raw, tmp_path / "missing.txt"])
    assert lines[0].startswith("40 samples")
    assert "   75.0%  psycopg" in lines
    assert "   75.0%  wait (psycopg/connection.py)" in lines
    waiting = lines[lines.index("time in the database driver (psycopg), by the hirebot function nearest to it:") + 1]
    assert waiting == "   75.0%  _lock (bot/services/scorecards.py)"
    assert "  100.0%  run (bot/web.py)" in lines
    assert summarise_profile([tmp_path / "missing.txt"]) == ["(no samples)"]
