"""The Procfile's commands, as tests and benchmarks run them: bound to loopback, from this virtualenv."""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def procfile(process: str, host: str, port: int) -> list[str]:
    """The argv of the Procfile's `process:` line, listening on host:port instead of $PORT."""
    for line in (ROOT / "Procfile").read_text().splitlines():
        name, _, command = line.partition(":")
        if name.strip() == process:
            argv = shlex.split(command.strip().replace("0.0.0.0:${PORT:-3000}", f"{host}:{port}"))
            argv[0] = str(Path(sys.executable).parent / argv[0])
            return argv
    raise LookupError(f"no {process}: line in the Procfile")
