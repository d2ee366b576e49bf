"""Keep a long-running process's memory and its garbage collector's work in proportion.

Malloc arenas: glibc's, for every thread that draws a picture (limit_malloc_arenas).

glibc gives each thread that allocates under contention its own malloc arena (up to 8 per
core) and rarely returns their pages. The background threads of a web worker draw the
pre-read's heat map and the dashboard's charts (a few MB of pixels each), and drawing
on eight threads in turn grew a process by about 60 MB where two arenas held it flat
(320 charts: 241 -> 305 MB against 236 -> 242 MB). Two arenas is what many Python services set
through MALLOC_ARENA_MAX; an operator's own MALLOC_ARENA_MAX wins."""

from __future__ import annotations

import ctypes
import gc
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


# A young-generation collection every 5,000 net container allocations instead of Python's 700.
YOUNG_THRESHOLD = 5_000


def settle_garbage_collector(young: int = YOUNG_THRESHOLD) -> None:
    """Call once a web worker has loaded the app, before its first request.

    The app's modules, rubrics and SQLAlchemy's tables are 150-210 thousand objects that live
    as long as the process; every full collection walked all of them while the worker's
    threads waited (80-150 ms each, 5 in a 40-second load run). Freezing them leaves the
    collector only what requests create. And a scorecard submission's JSON alone is hundreds
    of dicts and lists: at Python's default young threshold a collection ran every few
    requests and promoted the objects of the requests then in flight, which fed the full
    collections. Under the load benchmark this took each worker's collector from 1.14 s to
    0.06 s in a run, and the workers' growth over the run from +41 MB to +2.5-9.2 MB."""
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(young, middle, old)
