"""Processes for the HTTP benchmarks (load.py, soak.py): gunicorn as the Procfile starts it,
the database they share, and what each process holds (resident memory, threads, open files),
read from /proc so that no extra dependency is needed.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy.engine import make_url  # noqa: E402

from tests.support.procfile import procfile  # noqa: E402

HOST = "127.0.0.1"  # traffic goes to this machine only
HIREBOT_WSGI = "bot.web:create_wsgi()"
BARE_WSGI = "benchmarks.bare_app:create_wsgi()"
STORING_WSGI = "benchmarks.bare_app:create_storing_wsgi()"
DATABASE_ENV = "HIREBOT_DATABASE_URL"


def database_url(given: str | None, workdir: Path, name: str) -> str:
    """--database-url, else $HIREBOT_DATABASE_URL, else a SQLite file in `workdir` (with a
    warning: the figures the README quotes are PostgreSQL's). The database is emptied and
    migrated afresh, so the lead's CI database `test` is refused."""
    url = given or os.environ.get(DATABASE_ENV)
    if not url:
        print(
            f"WARNING: no --database-url and no ${DATABASE_ENV}: running on SQLite, which serialises every "
            "write; the README's figures are PostgreSQL's.",
            flush=True,
        )
        return f"sqlite:///{workdir / name}.sqlite"
    if make_url(url).get_backend_name() == "postgresql" and make_url(url).database in (None, "", "test", "postgres"):
        raise SystemExit(f"{name}: pass a database of its own; this one is emptied and migrated afresh")
    return url


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def gunicorn_argv(port: int, wsgi: str = HIREBOT_WSGI) -> list[str]:
    """The Procfile's `web:` command (its config, workers, threads, timeouts) serving `wsgi`."""
    argv = procfile("web", HOST, port)
    if argv[-1] != HIREBOT_WSGI:
        raise LookupError(f"the Procfile's web: line no longer ends with {HIREBOT_WSGI!r}")
    return [*argv[:-1], wsgi]


def start_gunicorn(log: Path, port: int, env: dict[str, str], wsgi: str = HIREBOT_WSGI) -> subprocess.Popen:
    """gunicorn's and the app's log lines go to `log`."""
    out = open(log, "w")  # the child holds it for its lifetime
    return subprocess.Popen(gunicorn_argv(port, wsgi), cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)


def wait_healthy(port: int, process: subprocess.Popen, expect_workers: int = 2, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("gunicorn exited at start-up")
        try:
            with urllib.request.urlopen(f"http://{HOST}:{port}/healthz", timeout=2) as r:
                if r.status == 200 and len(children(process.pid)) == expect_workers:
                    return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError("gunicorn did not answer /healthz")


def _pids() -> list[int]:
    return [int(entry) for entry in os.listdir("/proc") if entry.isdigit()]


def _stat_fields(pid: int) -> list[str] | None:
    """/proc/<pid>/stat's fields after the command, which may hold spaces and parentheses
    (so they start after the last ')'): field 3 of proc(5) is [0]. None once the process is gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()
    except OSError:
        return None


def children(parent: int) -> list[int]:
    """The pids whose parent is `parent` (gunicorn's workers)."""
    return sorted(pid for pid in _pids() if (fields := _stat_fields(pid)) is not None and int(fields[1]) == parent)


def cpu_seconds(pids: list[int]) -> float:
    """User and system CPU the processes have used so far (their threads included)."""
    ticks = 0
    for pid in pids:
        fields = _stat_fields(pid)
        if fields is not None:
            ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")


def machine_times(stat: str | None = None) -> tuple[int, int]:
    """(idle, total) CPU time of the whole machine so far, in clock ticks, from /proc/stat's
    first line (or `stat`, its text): idle counts `idle` and `iowait`, total every field but
    the guest ones, which `user` and `nice` already include (proc(5))."""
    if stat is None:
        with open("/proc/stat") as f:
            stat = f.read()
    fields = [int(v) for v in stat.splitlines()[0].split()[1:]]
    counted = fields[:8]  # user nice system idle iowait irq softirq steal
    return counted[3] + counted[4], sum(counted)


def idle_share(start: tuple[int, int], end: tuple[int, int]) -> float:
    """The share of the machine's CPU time left idle between two machine_times() readings."""
    total = end[1] - start[1]
    return (end[0] - start[0]) / total if total > 0 else 0.0


def named(command: str) -> list[int]:
    """The pids whose command name is `command` (PostgreSQL's server and backends: "postgres")."""
    found = []
    for pid in _pids():
        try:
            with open(f"/proc/{pid}/comm") as f:
                if f.read().strip() == command:
                    found.append(pid)
        except OSError:
            continue
    return found


def _status_field(pid: int, name: str) -> int:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(name + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def rss_kb(pid: int) -> int:
    return _status_field(pid, "VmRSS")


def threads(pid: int) -> int:
    return _status_field(pid, "Threads")


def open_files(pid: int, suffix: str | None = None) -> int:
    """Open file descriptors of `pid`; with `suffix`, only those whose target ends with it
    (a SQLite database's connections)."""
    try:
        entries = os.listdir(f"/proc/{pid}/fd")
    except OSError:
        return 0
    if suffix is None:
        return len(entries)
    count = 0
    for fd in entries:
        try:
            if os.readlink(f"/proc/{pid}/fd/{fd}").endswith(suffix):
                count += 1
        except OSError:
            continue
    return count


@dataclass
class Memory:
    master_kb: int
    workers_kb: dict[int, int]

    @property
    def workers_total(self) -> int:
        return sum(self.workers_kb.values())

    @classmethod
    def of(cls, master: int) -> Memory:
        return cls(rss_kb(master), {pid: rss_kb(pid) for pid in children(master)})


def stop(process: subprocess.Popen, grace: float = 10.0) -> tuple[float, bool]:
    """TERM the process (gunicorn's master stops its workers); after `grace` seconds KILL it and
    the children it started, each by its pid. Returns (seconds taken, whether it had to kill)."""
    if process.poll() is not None:
        return 0.0, False
    kids = children(process.pid)
    started = time.monotonic()
    process.terminate()
    try:
        process.wait(timeout=grace)
        return time.monotonic() - started, False
    except subprocess.TimeoutExpired:
        for pid in kids:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        process.kill()
        process.wait(timeout=10)
        return time.monotonic() - started, True
