"""At most two glibc malloc arenas in a serving process.

waitress answers each request on one of its threads, and glibc gives busy threads
arenas of their own (up to eight per core). Memory freed in one arena serves only that
arena again, so a process that took a push on one thread and streamed an export on
another keeps both peaks. The interpreter's lock lets one thread allocate at a time
anyway, so two arenas cost nothing in speed. Measured with `bench/province.py` on its
kept 1,000,000-household database (pulls, pages, then the registry export): resting
138 -> 129 MB, export peak 170 -> 150 MB. `MALLOC_ARENA_MAX` in the environment, when
set, is left to decide.
"""

from __future__ import annotations

import ctypes
import sys

from server.settings import malloc_arenas_chosen

_M_ARENA_MAX = -8  # mallopt's parameter number in glibc's malloc.h
ARENAS = 2


def cap_arenas(count: int = ARENAS) -> bool:
    """Ask glibc for at most `count` arenas; whether it was done (not on other systems,
    nor when the environment already says)."""
    if not sys.platform.startswith("linux") or malloc_arenas_chosen():
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):  # not glibc
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    return bool(mallopt(_M_ARENA_MAX, count))
