"""A test-only wrapper that slows or breaks the real engine on cue (see `tests/scripted_server.py`).

Timing-controlled end-to-end tests (cancel mid-generation, a request that
arrives while another generates, an edit during generation) need generation
to last long enough to act on, and engine-failure tests need a failure.
`CODER_LSP_TEST_ENGINE` turns this on for a server started through
`tests/scripted_server.py` (the tests' own launcher; production code knows
nothing of it), e.g.
`delay_ms=30` (sleep after every real token), `fail` (every call raises
EngineError) or `delay_ms=30,fail_after=5`; `load_delay_ms=3000` makes
every model load wait that long first, and `load_fail` makes it fail after
that wait (`scripted_load`), so a test can act while the model loads. The real engine still does all
the work; without the variable `wrap_for_tests` returns the engine as is.
"""

from __future__ import annotations

import dataclasses
import os
import time

from lsp_server.model.types import EngineError

ENV = "CODER_LSP_TEST_ENGINE"


def _parse(spec: str) -> dict:
    options: dict = {}
    for part in filter(None, (p.strip() for p in spec.split(","))):
        name, _, value = part.partition("=")
        try:
            options[name] = float(value) if value else 1.0
        except ValueError:
            options[name] = value
    return options


def _current_window(prompt) -> str:
    """The text of a sweep prompt's `current/{path}` block."""
    for part in prompt.parts:
        if isinstance(part, str) and part.startswith("current/"):
            return part.split("\n", 1)[1]
    return ""


class ScriptedEngine:
    """Delegates to a real engine, adding a per-token delay or scripted failures."""

    def __init__(self, engine, *, delay_ms: float = 0.0, fail: bool = False, fail_after: float = -1,
                 rename: str = "", rename_tokens: float = 8) -> None:
        self.inner = engine
        self.rename = tuple(rename.split(">", 1)) if ">" in rename else None
        self.rename_tokens = int(rename_tokens)
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
        """A next-edit prompt. With `rename=width>w` the real model runs it for up to `rename_tokens`
        tokens, and the answer is its current window with `width` replaced by `w`: what a
        next-edit model does after a rename."""
        if self.fail:
            raise EngineError("scripted engine failure (CODER_LSP_TEST_ENGINE)")
        if self.rename is None:
            return self.inner.complete_prompt(prompt, cancel, max_tokens, self._on_token(on_token))
        result = self.inner.complete_prompt(prompt, cancel, min(max_tokens, self.rename_tokens),
                                            self._on_token(on_token))
        rewrite = _current_window(prompt).replace(*self.rename)
        return dataclasses.replace(result, text=rewrite, finish_reason="stop")

    def chat(self, messages, cancel, max_tokens=512, on_token=None):
        if self.fail:
            raise EngineError("scripted engine failure (CODER_LSP_TEST_ENGINE)")
        return self.inner.chat(messages, cancel, max_tokens=max_tokens, on_token=self._on_token(on_token))


def scripted_load(load):
    """Run `load()` (the real loader) after the scripted load delay; raise if the load is to fail."""
    options = _parse(os.environ.get(ENV, ""))
    time.sleep(options.get("load_delay_ms", 0.0) / 1000.0)
    if options.get("load_fail"):
        raise EngineError("scripted load failure (CODER_LSP_TEST_ENGINE)")
    return load()


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
        rename=str(options.get("rename", "")),
        rename_tokens=options.get("rename_tokens", 8),
    )
