"""The load benchmark's CPU accounting (benchmarks/procs.py) reads /proc as it should."""

from __future__ import annotations

import os
import subprocess
import sys
import time

from benchmarks.procs import cpu_seconds, idle_share, machine_times, named


def test_cpu_seconds_counts_a_busy_childs_cpu_and_nothing_for_an_idle_one() -> None:
    busy = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import time\nt = time.process_time()\nwhile time.process_time() - t < 0.4: pass\ntime.sleep(30)",
        ]
    )
    idle = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        deadline = time.monotonic() + 30  # the spin takes longer on a busy machine, never less CPU
        while cpu_seconds([busy.pid]) < 0.35 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert 0.35 <= cpu_seconds([busy.pid]) <= 1.5
        assert cpu_seconds([idle.pid]) < 0.3
        assert cpu_seconds([busy.pid, idle.pid]) >= cpu_seconds([busy.pid])
        assert cpu_seconds([2**22 + 12345]) == 0.0  # gone: counted as nothing, not an error
    finally:
        busy.kill()
        idle.kill()


def test_named_finds_processes_by_their_command_name() -> None:
    me = os.getpid()
    with open(f"/proc/{me}/comm") as f:
        comm = f.read().strip()
    assert me in named(comm)
    assert named("no-such-command-here") == []


def test_the_machine_idle_share_counts_idle_and_iowait_over_every_field_but_guest() -> None:
    # user nice system idle iowait irq softirq steal guest guest_nice (proc(5)); guest time is
    # already inside user and nice, so counting it again would dilute the idle share.
    start = machine_times("cpu  100 0 50 800 50 0 0 0 30 0\ncpu0 1 2 3 4 5 6 7 8 9 10\n")
    end = machine_times("cpu  400 0 150 1000 50 0 0 0 90 0\n")
    assert start == (850, 1000) and end == (1050, 1600)
    assert idle_share(start, end) == 200 / 600
    assert idle_share(end, end) == 0.0  # no time passed: nothing to divide
    live = machine_times()
    assert 0 <= live[0] <= live[1]
