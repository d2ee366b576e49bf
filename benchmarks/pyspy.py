"""py-spy over running processes (load.py --profile): where their CPU goes. Only the thread
holding the GIL is sampled (`--gil`), so a thread waiting on the database or a socket is not
counted: without it, half the samples were psycopg waiting for PostgreSQL's answer.

py-spy samples from outside the process, so the workers run unchanged; it is not a
dependency (`pip install py-spy`), and without it the benchmark says so and goes on.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

FRAME = re.compile(r"^(?P<func>.*?) \((?P<file>[^()]*?)(?::\d+)?\)$")
OWN = ("bot/", "handlers/", "db/", "rubrics/")


def start_profiles(pids: list[int], seconds: float, workdir: Path) -> list[tuple[subprocess.Popen, Path]]:
    spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    if not Path(spy).exists():
        print("--profile: py-spy is not installed (pip install py-spy); no profile")
        return []
    started = []
    for pid in pids:
        out = workdir / f"profile-{pid}.txt"
        argv = [spy, "record", "--pid", str(pid), "--duration", str(int(seconds)), "--rate", "200"]
        argv += ["--format", "raw", "--gil", "--nonblocking", "--full-filenames", "--output", str(out)]
        started.append((subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL), out))
    return started


def frame_of(frame: str) -> tuple[str, str]:
    """(function, file) of one py-spy frame, the file relative to the repository or site-packages."""
    m = FRAME.match(frame.strip())
    if not m:
        return frame.strip(), ""
    path = m["file"]
    for marker in ("site-packages/", str(ROOT) + "/", "lib/python3"):
        if marker in path:
            path = path.split(marker, 1)[1]
            break
    return m["func"], path


def area(path: str) -> str:
    if path.startswith(OWN):
        return "hirebot: " + path.split("/", 1)[0]
    if path.startswith(".") or not path:
        return "python (stdlib)"
    top = path.split("/", 1)[0]
    return top if top and not top[0].isdigit() else "python (stdlib)"


def summarise_profile(files: list[Path], top: int = 15) -> list[str]:
    """Self samples by function, by area (the leaf's package), and hirebot's functions by
    inclusive samples."""
    own_self: Counter[str] = Counter()
    areas: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    waiting: Counter[str] = Counter()  # in the database driver, by the innermost hirebot function
    total = 0
    for path in files:
        if not path.exists():
            continue
        for line in path.read_text(errors="replace").splitlines():
            stack, _, count_ = line.rpartition(" ")
            if not stack or not count_.isdigit():
                continue
            count = int(count_)
            frames = [frame_of(f) for f in stack.split(";") if f.strip()]
            if not frames:
                continue
            total += count
            func, file = frames[-1]
            own_self[f"{func} ({file})"] += count
            areas[area(file)] += count
            own = [f"{fn} ({fl})" for fn, fl in frames if fl.startswith(OWN)]
            for name in set(own):
                inclusive[name] += count
            if file.startswith("psycopg") and own:
                waiting[own[-1]] += count
    if not total:
        return ["(no samples)"]
    pct = lambda n: f"{100 * n / total:5.1f}%"  # noqa: E731
    lines = [f"{total} samples of busy threads (both workers, 200 a second)", "", "by package of the running function:"]
    lines += [f"  {pct(n)}  {name}" for name, n in areas.most_common(top)]
    lines += ["", "functions with most samples of their own:"]
    lines += [f"  {pct(n)}  {name}" for name, n in own_self.most_common(top)]
    lines += ["", "time in the database driver (psycopg), by the hirebot function nearest to it:"]
    lines += [f"  {pct(n)}  {name}" for name, n in waiting.most_common(top)]
    lines += ["", "hirebot's functions, including what they call:"]
    lines += [f"  {pct(n)}  {name}" for name, n in inclusive.most_common(top + 10)]
    return lines
