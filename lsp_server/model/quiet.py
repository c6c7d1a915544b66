"""Keep C libraries off stdout: a context manager that points fd 1 at stderr for a while.

llama.cpp and ggml can write to the process's stdout from C, below Python's
`sys.stdout`. Commands whose stdout is their product (`complete --json`, the
demo, commit-msg) run model code inside `stdout_to_stderr()`, so whatever C
prints lands on stderr, and print their own output afterwards.
"""

from __future__ import annotations

import contextlib
import os
import sys
from typing import Iterator


@contextlib.contextmanager
def stdout_to_stderr() -> Iterator[None]:
    sys.stdout.flush()
    try:
        saved = os.dup(1)
    except OSError:  # no fd 1 (embedded use): nothing to protect
        yield
        return
    os.dup2(2, 1)
    try:
        yield
    finally:
        sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(saved)
