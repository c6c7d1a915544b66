"""Shared numbers and tables for the latency benchmarks.

Every replay (our server, llama.cpp's server, the engine floor) records one
`Attempt` per keystroke; `summarize()` turns them into the same figures so
the rows of a table compare like with like: time to answer p50/p95 over the
requests answered before the next key (a suggestion, or an empty answer after
the model ran: random-weight models write gibberish that our post-processing
rejects, at the same cost as a suggestion), the same at pauses (where a user
reads ghost text), and how many keystrokes ended shown, empty, cancelled or
stale. `markdown_table()` prints rows of dicts.
"""

from __future__ import annotations

import statistics
from dataclasses import asdict, dataclass

ANSWERED = ("shown", "cache", "empty")
PAUSE_MS = 500  # a key followed by at least this much idle time is a place where users read suggestions


@dataclass
class Attempt:
    key: int  # index of the keystroke
    pause_ms: float  # idle time after the key
    outcome: str  # "shown" | "empty" | "cancelled" | "stale" | "error" | "skipped" | "cache"
    ms: float | None = None  # keystroke to answer
    text: str = ""
    generated_tokens: int | None = None
    prompt_tokens: int | None = None
    cached_tokens: int | None = None
    engine_ms: float | None = None  # the engine's own time for this request, where the server reports it


def percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    index = (len(ordered) - 1) * q / 100
    low = int(index)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (index - low)


def summarize(attempts: list[Attempt]) -> dict:
    answered = [a for a in attempts if a.outcome in ANSWERED and a.ms is not None]
    shown = [a for a in attempts if a.outcome in ("shown", "cache")]
    at_pauses = [a for a in attempts if a.pause_ms >= PAUSE_MS]
    answered_at_pauses = [a for a in at_pauses if a.outcome in ANSWERED and a.ms is not None]
    counts = {name: sum(1 for a in attempts if a.outcome == name)
              for name in ("shown", "cache", "empty", "cancelled", "stale", "error", "skipped")}
    generated = [a.generated_tokens for a in shown if a.generated_tokens is not None]
    return {
        "keystrokes": len(attempts),
        **counts,
        "answered": len(answered),
        "tts_p50_ms": _round(percentile([a.ms for a in answered], 50)),
        "tts_p95_ms": _round(percentile([a.ms for a in answered], 95)),
        "pauses": len(at_pauses),
        "pauses_answered": len(answered_at_pauses),
        "pauses_with_suggestion": sum(1 for a in answered_at_pauses if a.outcome != "empty"),
        "pause_tts_p50_ms": _round(percentile([a.ms for a in answered_at_pauses], 50)),
        "pause_tts_p95_ms": _round(percentile([a.ms for a in answered_at_pauses], 95)),
        "mean_generated_tokens": _round(statistics.mean(generated)) if generated else None,
        **token_figures(attempts),
    }


def token_figures(attempts: list[Attempt]) -> dict:
    """Prompt tokens per model request that reported them: reused from the KV cache vs newly evaluated."""
    ran = [a for a in attempts if a.prompt_tokens is not None and a.cached_tokens is not None]
    if not ran:
        return {}
    new = [a.prompt_tokens - a.cached_tokens for a in ran]
    return {"prompt_tokens_mean": round(statistics.mean(a.prompt_tokens for a in ran), 1),
            "reused_tokens_mean": round(statistics.mean(a.cached_tokens for a in ran), 1),
            "new_tokens_mean": round(statistics.mean(new), 1), "new_tokens_p50": percentile(new, 50)}


def attempts_json(attempts: list[Attempt]) -> list[dict]:
    return [asdict(a) for a in attempts]


def _round(value: float | None, digits: int = 1) -> float | None:
    return None if value is None else round(value, digits)


def fmt(value) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:,.1f}"
    return str(value)


def markdown_table(rows: list[dict], columns: list[tuple[str, str]]) -> str:
    """`columns`: (key in the row, header). Missing keys print as '-'."""
    lines = ["| " + " | ".join(header for _, header in columns) + " |",
             "| " + " | ".join("---" for _ in columns) + " |"]
    for row in rows:
        lines.append("| " + " | ".join(fmt(row.get(key)) for key, _ in columns) + " |")
    return "\n".join(lines)
