"""llama-cpp-python's OpenAI-compatible server, loading its model as coder-lsp loads one.

`COMMAND + [args]` runs `python -m llama_cpp.server args` inside
`cpu_repack.model_params()`: where this llama.cpp has AMX kernels the model
loads without repacked weights, as the in-process engine's does, because the
repacked ones crash the first evaluation there (lsp_server/model/cpu_repack.py).
The OpenAI-backend tests and `bench/peer.py --peer llama_cpp.server` start it.
"""

from __future__ import annotations

import runpy
import sys
from pathlib import Path

COMMAND = [sys.executable, str(Path(__file__).resolve())]


def main() -> None:
    if sys.path and Path(sys.path[0]).resolve() == Path(__file__).resolve().parent:
        del sys.path[0]  # run as a script: bench/secrets.py must not shadow the standard library's
    from lsp_server.model import cpu_repack

    sys.argv[0] = "llama_cpp.server"
    with cpu_repack.model_params():
        runpy.run_module("llama_cpp.server", run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()
