"""Which rule picks the right repository name at the cursor: the model's scores of each candidate, offline.

Context-guided decoding (`model.guidance`) offers the model the names its
snippets define; which one it steers into decides identifier match
(`context_use.py`). This bench takes the same dev-set cursors, builds the
request as the editor would (`assist.pipeline`), and for the best `--top`
candidates by the decoder's present first-token rule (first piece's
log-probability plus bias) asks the real model for: each name's first-piece
log-probability and its whole spelling's log-probability (`model.lookahead`,
the name then a non-identifier character), with the repository context in
the prompt and without it (the same local window, no snippets). Then it
counts, for each scoring rule, how often the gold name scores best among those
candidates: the first piece (what greedy guidance follows), the whole name,
the whole name plus `w` times the bias, and pointwise mutual information with
the context (with minus without, as contrastive "context-aware decoding"
does); and the whole name plus twice the bias among the first candidates in
retrieval's order (the look-ahead's choice). No generation: it isolates the choice between names from everything
else. Scores are kept in `.cache/bench-name-choice/`; `--report` re-reads them.

    .venv/bin/python bench/name_choice.py --tasks 60 [--held-out] [--top 12] [--no-contrast] [--report]
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "bench" / "context_sets"))

import context_use  # noqa: E402
from context_use import choose_tasks, indexed_projects, run_task  # noqa: E402
from sources import chosen_projects  # noqa: E402

from lsp_server.model import budget, guidance, lookahead, name_ranking, snippet_names  # noqa: E402

CACHE = ROOT / ".cache" / "bench-name-choice"


class Capture:
    """The engine, except that `complete` only keeps the request the pipeline built."""

    def __init__(self, engine) -> None:
        self.engine, self.requests = engine, []

    def __getattr__(self, name):
        return getattr(self.engine, name)

    def complete(self, request, cancel, on_token=None):
        from lsp_server.model.types import Completion

        self.requests.append(request)
        return Completion("", self.engine.name, self.engine.prompt_format, 0)


def next_logits(engine, request) -> tuple[np.ndarray, bytes]:
    """The next-token logits after `request`'s prompt (healed, as the engine heals it), from a cold cache."""
    import llama_cpp

    llm = engine._llm
    healed, healing = engine._heal(request)
    _, tokens = budget.fitted_prompt(engine, healed, None)
    llm.reset()
    llm.eval(tokens)
    row = np.ctypeslib.as_array(llama_cpp.llama_get_logits_ith(llm._ctx.ctx, -1), shape=(llm.n_vocab(),))
    return np.array(row, dtype=np.float32), healing.removed if healing is not None else b""


def first_pieces(engine, logits: np.ndarray, spellings: list[bytes], cut: int) -> list[float]:
    """Each spelling's best first token past the `cut` bytes healing removed: its log-probability."""
    index, ranked = engine.piece_index(), lookahead._log_softmax(logits[: engine._llm.n_vocab()])
    best = []
    for data in spellings:
        ids = index.prefixes_of(data, cut + 1)
        best.append(float(ranked[ids].max()) if len(ids) else -math.inf)
    return best


def score_task(engine, request, bare, top: int) -> dict | None:
    """The candidates at `request`'s cursor and the model's scores of each, with and without context."""
    typed = guidance.identifier_site(request.prefix)
    if typed is None:
        return None
    after_dot = request.prefix[: len(request.prefix) - len(typed)].endswith(".")
    offered = list(dict.fromkeys([*(request.members if after_dot else ()), *request.names]))
    names = [name for name in offered if name.startswith(typed) and name != typed][: snippet_names.MAX_NAMES]
    if not names:
        return None
    extra = name_ranking.preferences(offered, request.prefix, request.types)
    biases = [(guidance.MEMBER_BIAS if after_dot and name in request.members else guidance.BIAS) + extra.get(name, 0.0)
              for name in names]
    visible = set(snippet_names.WORD.findall(request.prefix))
    scores = {}
    for label, req in [("with", request)] + ([("without", bare)] if bare is not None else []):
        logits, removed = next_logits(engine, req)
        spellings = [removed + name.encode()[len(typed.encode()):] for name in names]
        firsts = first_pieces(engine, logits, spellings, len(removed))
        if label == "with":  # the candidates the decoder would weigh: best first piece plus bias
            keep = sorted(range(len(names)), key=lambda i: firsts[i] + biases[i], reverse=True)[:top]
        scores[f"first_{label}"] = [firsts[i] for i in keep]
        scores[f"whole_{label}"] = lookahead.name_logprobs(engine._llm, engine.piece_index(), logits,
                                                           tuple(spellings[i] for i in keep))
    return {"names": [names[i] for i in keep], "bias": [biases[i] for i in keep], **scores,
            "rank": [offered.index(names[i]) for i in keep],  # the order retrieval offered them in
            "visible": [names[i] in visible for i in keep],  # spelled in the local window
            "member": [after_dot and names[i] in request.members for i in keep]}


def _finite(values) -> np.ndarray:
    return np.array([v if v > -1e30 else -1e9 for v in values], dtype=float)


RULES = {
    "first piece + bias (guidance's greedy choice)": lambda r: _finite(r["first_with"]) + r["bias"],
    "whole name": lambda r: _finite(r["whole_with"]),
    "whole name + bias": lambda r: _finite(r["whole_with"]) + r["bias"],
    "whole name + 2 x bias": lambda r: _finite(r["whole_with"]) + 2 * np.array(r["bias"]),
    "PMI: whole with - without context": lambda r: _finite(r["whole_with"]) - _finite(r["whole_without"]),
    "CAD a=0.5: 1.5 x with - 0.5 x without, + bias": lambda r: (1.5 * _finite(r["whole_with"])
                                                               - 0.5 * _finite(r["whole_without"]) + r["bias"]),
}


def report(records: list[dict], top: int) -> str:
    scored = [r for r in records if r.get("names")]
    lines = [f"{len(records)} tasks, {len(scored)} at an identifier site with candidates; gold among the best "
             f"{top} by first piece + bias: {sum(r['gold'] in r['names'] for r in scored)}", "",
             "| rule | gold scores best | among the best 4 | 8 |", "|---|---|---|---|"]
    for label, rule in RULES.items():
        if scored and "without" in label and "whole_without" not in scored[0]:
            continue  # scored with context only (`--no-contrast`)
        lines.append(_row(label, scored, rule, top, lambda r: np.arange(len(r["names"]))))
    if scored and "rank" in scored[0]:  # the candidates taken in retrieval's order instead (the look's, since stop 17)
        lines.append(_row("whole name + 2 x bias, the first in retrieval's order", scored,
                          RULES["whole name + 2 x bias"], top, lambda r: np.argsort(r["rank"], kind="stable")))
    return "\n".join(lines)


def _row(label: str, scored: list[dict], rule, top: int, order) -> str:
    """How often `rule` puts the gold name first among the first `top`, 4 and 8 candidates in `order`."""
    hits = []
    for k in (top, 4, 8):
        hits.append(0)
        for r in scored:
            first = order(r)[:k]
            hits[-1] += r["names"][int(first[int(np.argmax(rule(r)[first]))])] == r["gold"]
    return f"| {label} | {hits[0]}/{len(scored)} | {hits[1]} | {hits[2]} |"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tasks", type=int, default=60)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--top", type=int, default=12)
    parser.add_argument("--held-out", action="store_true")
    parser.add_argument("--report", action="store_true", help="only tabulate the kept scores")
    parser.add_argument("--no-contrast", action="store_true", help="score with context only (no PMI, CAD)")
    args = parser.parse_args()
    kept = CACHE / (f"{'held-out' if args.held_out else 'dev'}-{args.tasks}-{args.seed}-{args.top}"
                    f"{'-with' if args.no_contrast else ''}.json")
    if not args.report:
        from lsp_server.config import Settings
        from lsp_server.model.loader import load_engine

        settings = dataclasses.replace(Settings(), max_tokens=16, latency_budget_ms=0)
        engine = load_engine(settings.model)
        capture = Capture(engine)
        projects = chosen_projects(args.held_out)  # the dev set holds no held-out project
        tasks = choose_tasks(projects, args.tasks, args.seed)
        records = []
        for project, root, index, mine in indexed_projects(projects, tasks):
            for task in mine:
                for context in (index, None):  # the same cursor, with repository context and without
                    run_task(capture, settings, root, project, task, context, context_use.Style(), 4000, {})
                request, bare = capture.requests[-2:]
                records.append({"project": project, "gold": task["identifier"], "file": task["file"], "line": task["line"],
                                "column": task["column"],
                                **(score_task(engine, request, None if args.no_contrast else bare, args.top) or {})})
                print(f"{len(records)} {task['identifier']}", file=sys.stderr, flush=True)
        engine.close()
        kept.parent.mkdir(parents=True, exist_ok=True)
        kept.write_text(json.dumps(records, indent=1))
    print(report(json.loads(kept.read_text()), args.top))
    return 0


if __name__ == "__main__":
    sys.exit(main())
