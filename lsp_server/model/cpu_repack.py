"""Whether llama.cpp may repack a model's weights for this CPU: not into AMX tiles, unless asked.

llama.cpp can load quantized weights into "extra" CPU buffer types that
repack them for faster matrix products. A llama-cpp-python built for a CPU
with Intel AMX (Sapphire Rapids and later; pip builds for the CPU it runs
on) repacks them into AMX tiles, and on some of those machines the first
evaluation crashes the process in `ggml_backend_amx_mul_mat` (llama.cpp issue
20824, open; seen here with SmolLM2's Q4_1 on a Xeon whose kernel grants AMX).
A crash there takes the language server down with it, so where the build has
AMX kernels, `model_params` loads the model without extra buffer types:
llama.cpp's plain CPU kernels, still vectorised for AVX-512 (11 ms a token
for SmolLM2 on 2 cores, measured here). `CODER_LSP_CPU_REPACK=1` in the
environment opts back in (a machine known to run AMX well).
"""

from __future__ import annotations

import contextlib
import os
import threading

OPT_IN = "CODER_LSP_CPU_REPACK"
_LOCK = threading.Lock()  # the defaults are swapped module-wide while one model loads


def amx_build(system_info: bytes | str | None = None) -> bool:
    """Whether this llama.cpp has AMX matrix kernels for this CPU (its system info says `AMX_INT8 = 1`)."""
    if system_info is None:
        import llama_cpp

        system_info = llama_cpp.llama_print_system_info()
    if isinstance(system_info, bytes):
        system_info = system_info.decode("utf-8", "replace")
    return "AMX_INT8 = 1" in system_info


def repack_allowed(system_info: bytes | str | None = None) -> bool:
    """Whether models may load with llama.cpp's extra (repacking) buffer types here."""
    return os.environ.get(OPT_IN, "").strip() == "1" or not amx_build(system_info)


@contextlib.contextmanager
def model_params():
    """Around a `llama_cpp.Llama(...)`: the model loads without extra buffer types where they are
    not `repack_allowed` (the constructor takes its parameters from `llama_model_default_params`)."""
    if repack_allowed():
        yield
        return
    import llama_cpp.llama_cpp as low

    with _LOCK:
        defaults = low.llama_model_default_params

        def without_repack():
            params = defaults()
            params.use_extra_bufts = False
            return params

        low.llama_model_default_params = without_repack
        try:
            yield
        finally:
            low.llama_model_default_params = defaults
