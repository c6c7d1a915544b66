"""llama.vim's client behaviour, replayed against llama-server: the peer as its users run it.

llama.vim (ggml-org/llama.vim, autoload/llama.vim) does not cancel a request
in flight: a keystroke while one runs re-arms a 100 ms timer and asks again
once it has finished, for wherever the cursor is then. It keeps a client-side
cache of answers keyed by the local context, and on every cursor move shows a
cached answer at once, also one made up to 128 characters earlier whose text
starts with what was typed since (typed-ahead). This module replays the
typing script with that logic (no speculative follow-up request, no time
limits, so the tokens generated match ours) and records, per key, whether a
suggestion was on screen before the next key and how long it took.
"""

from __future__ import annotations

import asyncio
import time

from bench.keystrokes import Document
from bench.stats import Attempt

RETRY_S = 0.1  # llama#fim re-arms this timer while a job runs
LOOK_BACK = 128  # characters s:fim_try_hint searches back for a typed-ahead answer


class LlamaVimClient:
    def __init__(self, peer, ask, doc: Document, keys) -> None:
        self.peer, self.ask, self.doc, self.keys = peer, ask, doc, keys
        self.cache: dict[tuple[str, str], dict] = {}
        self.job: asyncio.Task | None = None
        self.timer: asyncio.TimerHandle | None = None
        self.current = -1
        self.pressed: list[float] = []
        self.attempts: list[Attempt] = [Attempt(i, k.pause_ms, "cancelled") for i, k in enumerate(keys)]

    def context(self) -> tuple[str, str]:
        before, middle, after = self.doc.split(self.keys[self.current].cursor)
        return before + middle, after

    def hint(self) -> dict | None:
        """A cached answer for the cursor: exact, or typed ahead of one made a little earlier."""
        typed, suffix = self.context()
        if (typed, suffix) in self.cache:
            return self.cache[(typed, suffix)]
        for back in range(1, min(LOOK_BACK, len(typed)) + 1):
            answer = self.cache.get((typed[:-back], suffix))
            removed = typed[-back:]
            if answer and answer["text"].startswith(removed) and len(answer["text"]) > back:
                return dict(answer, text=answer["text"][back:])
        return None

    def show(self, outcome: str) -> bool:
        """Show a cached answer for the current key if it has none yet (s:fim_try_hint)."""
        index = self.current
        if self.attempts[index].outcome in ("cache", "shown"):
            return True
        answer = self.hint()
        if answer is None:
            return False
        ms = (time.perf_counter() - self.pressed[index]) * 1000
        self.attempts[index] = Attempt(index, self.keys[index].pause_ms, outcome, ms, answer["text"],
                                       answer.get("generated_tokens"), answer.get("prompt_tokens"),
                                       answer.get("cached_tokens"))
        return True

    def on_key(self, index: int) -> None:
        self.current = index
        self.pressed.append(time.perf_counter())
        self.show("cache")
        self.fim()

    def fim(self) -> None:
        """llama#fim: wait for a running job, skip when cached, else ask for the cursor's context."""
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None
        if self.job is not None and not self.job.done():
            self.timer = asyncio.get_running_loop().call_later(RETRY_S, self.fim)
            return
        if self.hint() is not None:
            return
        self.job = asyncio.create_task(self.request(self.current, self.context(), self.doc.text))

    async def request(self, index: int, context: tuple[str, str], text: str) -> None:
        received, parsed, error = await self.ask(self.peer, text, self.keys[index].cursor)
        if parsed is None:
            self.attempts[index] = Attempt(index, self.keys[index].pause_ms, "error", text=error)
            return
        if parsed["text"]:
            self.cache[context] = parsed
            self.show("shown")
        elif index == self.current and self.attempts[index].outcome == "cancelled":
            ms = (received - self.pressed[index]) * 1000
            self.attempts[index] = Attempt(index, self.keys[index].pause_ms, "empty", ms)

    async def replay(self) -> list[Attempt]:
        start = time.perf_counter()
        for index, key in enumerate(self.keys):
            await asyncio.sleep(max(0.0, start + key.at_ms / 1000 - time.perf_counter()))
            self.doc.apply(key)
            self.on_key(index)
        deadline = time.perf_counter() + 60
        while (self.timer is not None or (self.job is not None and not self.job.done())) \
                and time.perf_counter() < deadline:
            await asyncio.sleep(0.05)
        return self.attempts
