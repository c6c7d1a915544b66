"""A test-only wrapper that slows or breaks the real engine on cue (see `tests/scripted_server.py`).

Timing-controlled end-to-end tests (cancel mid-generation, a request that
arrives while another generates, an edit during generation) need generation
to last long enough to act on, and engine-failure tests need a failure.
`CODER_LSP_TEST_ENGINE` turns this on for a server started through
`tests/scripted_server.py` (the tests' own launcher; production code knows
nothing of it), e.g.
`delay_ms=30` (sleep after every real token), `fail` (every call raises
EngineError) or `delay_ms=30,fail_after=5`. The real engine still does all
the work; without the variable `wrap_for_tests` returns the engine as is.
"""

from __future__ import annotations

import os
import time

from lsp_server.model.types import EngineError

ENV = "CODER_LSP_TEST_ENGINE"


def _parse(spec: str) -> dict[str, float]:
    options: dict[str, float] = {}
    for part in filter(None, (p.strip() for p in spec.split(","))):
        name, _, value = part.partition("=")
        options[name] = float(value) if value else 1.0
    return options


class ScriptedEngine:
    """Delegates to a real engine, adding a per-token delay or scripted failures."""

    def __init__(self, engine, *, delay_ms: float = 0.0, fail: bool = False, fail_after: float = -1) -> None:
        self.inner = engine
        self.delay_s = delay_ms / 1000.0
        self.fail = fail
        self.fail_after = int(fail_after)

    def __getattr__(self, name):
        return getattr(self.inner, name)

    def _on_token(self, on_token):
        count = 0

        def each_token(text: str) -> None:
            nonlocal count
            count += 1
            if on_token is not None:
                on_token(text)
            if self.fail_after >= 0 and count > self.fail_after:
                raise EngineError("scripted engine failure (CODER_LSP_TEST_ENGINE)")
            if self.delay_s:
                time.sleep(self.delay_s)

        return each_token

    def complete(self, request, cancel, on_token=None):
        if self.fail:
            raise EngineError("scripted engine failure (CODER_LSP_TEST_ENGINE)")
        return self.inner.complete(request, cancel, self._on_token(on_token))

    def complete_prompt(self, prompt, cancel, max_tokens, on_token=None):
        if self.fail:
            raise EngineError("scripted engine failure (CODER_LSP_TEST_ENGINE)")
        return self.inner.complete_prompt(prompt, cancel, max_tokens, self._on_token(on_token))

    def chat(self, messages, cancel, max_tokens=512, on_token=None):
        if self.fail:
            raise EngineError("scripted engine failure (CODER_LSP_TEST_ENGINE)")
        return self.inner.chat(messages, cancel, max_tokens=max_tokens, on_token=self._on_token(on_token))


def wrap_for_tests(engine):
    spec = os.environ.get(ENV, "")
    if not spec:
        return engine
    options = _parse(spec)
    return ScriptedEngine(
        engine,
        delay_ms=options.get("delay_ms", 0.0),
        fail=bool(options.get("fail", 0.0)),
        fail_after=options.get("fail_after", -1),
    )
