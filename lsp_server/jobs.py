"""What the model thread did lately, for `coderLsp.status` and bug reports.

`JobLog` keeps the last 50 jobs as plain dicts (kind, document, tokens,
timings the job fills in, outcome), a count of outcomes per kind, and the
last 50 completion latencies. A job's first outcome stands: an error that a
later "superseded" would hide stays an error. The event loop and the model
thread both write entries; each write is one dict or deque operation.
"""

from __future__ import annotations

from collections import Counter, deque
from typing import Any

HISTORY = 50


class JobLog:
    def __init__(self) -> None:
        self.records: deque[dict] = deque(maxlen=HISTORY)
        self.outcomes: Counter[str] = Counter()
        self.latencies_ms: deque[float] = deque(maxlen=HISTORY)

    def record(self, kind: str, uri: str, **details: Any) -> dict:
        """A new entry the job fills in (tokens, timings) and `finish` closes."""
        stats = {"kind": kind, "uri": uri, "tokens": 0, "outcome": "queued", **details}
        self.records.append(stats)
        return stats

    def finish(self, stats: dict, outcome: str) -> None:
        """Close an entry; the first outcome stands (an error stays an error)."""
        if stats.get("finished"):
            return
        stats["finished"] = True
        stats["outcome"] = outcome
        self.outcomes[f"{stats['kind']}:{outcome}"] += 1
