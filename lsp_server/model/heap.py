"""Giving freed heap back to the operating system when the model thread goes idle (glibc's `malloc_trim`).

glibc keeps memory that Python objects, tokenizer calls and llama.cpp's
per-request buffers freed inside its arenas, for reuse, and returns it only
from the top of the main heap: in a soak, 4-9 MB of free heap in a ~125 MB
server, of which whole free pages (0.3-4 MB) are held for nothing while the
user reads or thinks.
`malloc_trim(0)` hands the free pages of every arena back (madvise), in a
few milliseconds. The runner calls `release_free_heap` on the model thread
once per idle period (after `IDLE_SECONDS` without a job), never on the event
loop and never per keystroke: the arenas' locks are taken briefly, and the
next burst of keys refaults at most the pages it uses. Where the C library is
not glibc (macOS, Windows, musl) it does nothing.
"""

from __future__ import annotations

import ctypes
import platform
import sys
from typing import Callable

IDLE_SECONDS = 1.0  # a pause in typing, not the gap between two keys


def _glibc_trim() -> Callable[[int], int] | None:
    if not sys.platform.startswith("linux") or platform.libc_ver()[0] != "glibc":
        return None
    try:
        trim = ctypes.CDLL(None).malloc_trim  # the process's own C library
    except (OSError, AttributeError):
        return None
    trim.argtypes, trim.restype = [ctypes.c_size_t], ctypes.c_int
    return trim


_TRIM = _glibc_trim()
trims = 0  # calls made, for tests and `bench/memory_probe.py`


def release_free_heap() -> bool:
    """Return free heap pages to the OS; True if glibc released any (False, and nothing done, elsewhere)."""
    global trims
    if _TRIM is None:
        return False
    trims += 1
    return bool(_TRIM(0))
