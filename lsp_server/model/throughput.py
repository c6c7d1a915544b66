"""How fast this machine runs this model, and how big a cold prompt may be within a latency budget.

A laptop CPU evaluates a few hundred prompt tokens a second: a cold
3,000-token prompt is seconds before the first suggestion. `Throughput`
keeps moving averages of prompt evaluation and decoding speed, seeded by a
tiny probe at load and updated from every real job, and `new_tokens` turns
a latency budget into the number of prompt tokens that may be evaluated now
(after reserving time to decode the first line). The engine caps only what
is not already in the KV cache, so a warm cache gets the full prompt, and a
cold one a short prompt that grows by that much a request as the cache fills
(the part already evaluated is moved, not evaluated again: `kv_reuse`).
`look_candidates` likewise bounds how many names guidance's look-ahead may
spell out within a share of the budget.
"""

from __future__ import annotations

from dataclasses import dataclass

SMOOTHING = 0.3  # weight of the newest job in the moving averages
MIN_MEASURED_TOKENS = 16  # shorter runs time the call overhead, not the model
DECODE_RESERVE_TOKENS = 12  # a first line's worth of generated tokens, budgeted before the prompt
MIN_PROMPT_TOKENS = 128  # never starve the model: this much prompt is always allowed
LOOK_SHARE = 0.2  # of the request's latency budget guidance's look-ahead may spend
NAME_COST_TOKENS = 2.5  # generated tokens' time one name looked at costs, side by side (SmolLM2: 38 vs 15 ms)


@dataclass
class Throughput:
    prompt_tps: float = 0.0  # prompt tokens evaluated a second (0 = not measured)
    decode_tps: float = 0.0  # tokens generated a second
    samples: int = 0

    def record_prompt(self, tokens: int, seconds: float) -> None:
        if tokens >= MIN_MEASURED_TOKENS and seconds > 0:
            self.prompt_tps = _average(self.prompt_tps, tokens / seconds)
            self.samples += 1

    def record_decode(self, tokens: int, seconds: float) -> None:
        if tokens >= 2 and seconds > 0:
            self.decode_tps = _average(self.decode_tps, tokens / seconds)

    def new_tokens(self, budget_ms: float, max_tokens: int) -> int | None:
        """Prompt tokens that may be evaluated within `budget_ms`; None = no limit (no budget or no rates)."""
        if budget_ms <= 0 or self.prompt_tps <= 0:
            return None
        reserve_ms = 1000 * min(max_tokens, DECODE_RESERVE_TOKENS) / self.decode_tps if self.decode_tps > 0 else 0
        return max(MIN_PROMPT_TOKENS, int((budget_ms - reserve_ms) * self.prompt_tps / 1000))

    def look_candidates(self, budget_ms: float, limit: int) -> int:
        """How many candidate names `lookahead` may score: `limit` with no budget (0), else as many as
        fit in `LOOK_SHARE` of it at the measured decoding speed (none while it is unmeasured)."""
        if budget_ms <= 0:
            return limit
        spend = LOOK_SHARE * budget_ms / 1000 * max(self.decode_tps, 0.0)
        return max(0, min(limit, int(spend / NAME_COST_TOKENS)))

    def describe(self) -> dict:
        return {"prompt_tokens_per_s": round(self.prompt_tps, 1), "decode_tokens_per_s": round(self.decode_tps, 1),
                "throughput_samples": self.samples}


def _average(old: float, new: float) -> float:
    return new if old <= 0 else (1 - SMOOTHING) * old + SMOOTHING * new
