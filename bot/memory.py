"""Keep glibc from growing a process's memory for every thread that draws a picture.

glibc gives each thread that allocates under contention its own malloc arena (up to 8 per
core) and rarely returns their pages. The background threads of a web worker draw the
pre-read's heat map and the dashboard's charts (a few MB of pixels each), and drawing
on eight threads in turn grew a process by about 60 MB where two arenas held it flat
(320 charts: 241 -> 305 MB against 236 -> 242 MB). Two arenas is what many Python services set
through MALLOC_ARENA_MAX; an operator's own MALLOC_ARENA_MAX wins."""

from __future__ import annotations

import ctypes
import os

M_ARENA_MAX = -8  # glibc's malloc.h
ARENAS = 2


def limit_malloc_arenas(arenas: int = ARENAS) -> bool:
    """True when glibc took the limit; False elsewhere (musl, macOS) or when the operator set one."""
    if os.environ.get("MALLOC_ARENA_MAX"):
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    return bool(mallopt(M_ARENA_MAX, arenas))
