"""Whether the model uses its repository context: identifier match with and without it, per prompt layout.

The dev-set tasks of `bench/context_eval.py` (cursor on the first character of
an identifier defined in another file, inside a function body, rest of the
line hidden) are completed end to end by the real model, through
`assist.pipeline` as the editor's completions are (prompt window, sticky
retrieval over a fresh index, the engine's prompt, post-processing), once
WITH repository context and once WITHOUT (no index), for each layout variant:
`prompts.Style` (the vocabulary's file tokens or `# path` comments, how many
snippets, how many lines each), the local window (`prompt_window.PREFIX_CHARS`) and
context-guided decoding (`model.guidance`: "guided" variants; without context there are no
names, so their baseline is plain decoding, computed once with "files").
Identifier match: the shown completion starts with the gold identifier
("exact" also wants no identifier character after it); edit similarity:
1 - Levenshtein / longer length, of the completion against the hidden rest
of the line. Greedy decoding on a reset KV cache, and no latency-budget cut,
so every completion depends on its prompt alone: completions are kept in
`.cache/bench-context-use/` by prompt, and an interrupted run resumes.
Tasks are sampled per project with `--seed`. Writes bench/results/context_use.md.

    .venv/bin/python bench/context_use.py --tasks 60 [--variants main files ...] [--model GGUF]
        [--held-out | --new-held-out | --fresh-held-out]
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import random
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench" / "context_sets"))

from context_eval import load_tasks, masked  # noqa: E402
from sources import chosen_projects, source_root  # noqa: E402

from lsp_server.assist import prompt_window  # noqa: E402
from lsp_server.model import guidance, name_ranking, prompts  # noqa: E402
from lsp_server.model.prompts import Style  # noqa: E402

CACHE = ROOT / ".cache" / "bench-context-use"
GUIDANCE = {name: getattr(guidance, name) for name in ("BIAS", "FOLLOW_BIAS", "MEMBER_BIAS", "TOP_BONUS", "FINISH_BIAS",
                                                        "LOOKAHEAD", "LOOK_BIAS", "LOOK_FAVOURITES")}  # defaults
RANKING = {name: getattr(name_ranking, name) for name in ("EVIDENCE_BIAS", "TYPE_BIAS")}
# apart from RANKING: entries without usage keep their keys
USAGE = {name: getattr(name_ranking, name) for name in ("USAGE_BIAS", "SPECIFIC_SHARE")}
IDENT_CHAR = re.compile(r"\w")
WORD = re.compile(r"[A-Za-z_]\w*")
# name: (prompt style, local window in characters, guidance: None = plain decoding, else the
# `model.guidance` constants it changes from their defaults)
VARIANTS = {
    "main": (Style(repo_tokens=False), 4000, None),  # the layout before issue 17: `# path` comment blocks at the top
    "files": (Style(), 4000, None),
    "files-k4-l16-w2000": (Style(snippets=4, snippet_lines=16), 2000, None),
    "files-k2-l12-w1200": (Style(snippets=2, snippet_lines=12), 1200, None),
    "files-t500": (Style(local_tokens=500), 4000, None),  # the file cut to 500 tokens when there is context
    "near-block-k4": (Style(snippets=4, placement="block"), 4000, None),
    "near-line-k4": (Style(snippets=4, placement="line"), 4000, None),
    "near-line-k1-l6": (Style(snippets=1, snippet_lines=6, placement="line"), 4000, None),
    "files-k2": (Style(snippets=2), 4000, None),
    # Context-guided decoding (`model.guidance`, the default): the same prompt as "files"; without context
    # there are no names, so its baseline is plain decoding, the same completions as "files" without.
    "guided": (Style(), 4000, {}),
    **{f"guided-b{b:g}": (Style(), 4000, {"BIAS": float(b)}) for b in (3, 6, 12, 20, 100)},
    **{f"guided-f{f:g}": (Style(), 4000, {"FOLLOW_BIAS": float(f)}) for f in (24, 100)},
    **{f"guided-top{t:g}": (Style(), 4000, {"TOP_BONUS": float(t)}) for t in (4, 8)},
    "guided-soft-members": (Style(), 4000, {"MEMBER_BIAS": 0.0}),  # members only as names, no constraint
    # Candidates ranked by the code around the cursor (`model.name_ranking`, the default) or not.
    "guided-unranked": (Style(), 4000, {"EVIDENCE_BIAS": 0.0, "TYPE_BIAS": 0.0, "FINISH_BIAS": 0.0}),
    "guided-nofinish": (Style(), 4000, {"FINISH_BIAS": 0.0}),  # a begun name may be left half-spelled
    "guided-nousage": (Style(), 4000, {"USAGE_BIAS": 0.0}),  # no ranking by how the code around writes names
    "guided-anykey": (Style(), 4000, {"SPECIFIC_SHARE": 0.0}),  # usage in full after any key, generic or not
    # Look-ahead (`model.lookahead`, off by default): the model's score of the best few candidates' whole
    # spellings chooses between them, not the first piece alone.
    **{f"guided-look{k}": (Style(), 4000, {"LOOKAHEAD": k}) for k in (2, 4, 8)},
    "guided-look4-unbiased": (Style(), 4000, {"LOOKAHEAD": 4, "LOOK_BIAS": 0.0}),  # the model's score alone chooses
    "guided-look12-b2": (Style(), 4000, {"LOOKAHEAD": 12, "LOOK_BIAS": 2.0}),  # more contenders, bias counted twice
    "guided-look24-b2": (Style(), 4000, {"LOOKAHEAD": 24, "LOOK_BIAS": 2.0}),  # the default since stop 17
    "guided-nolook": (Style(), 4000, {"LOOKAHEAD": 0}),  # the first piece alone chooses (the default before stop 16)
    "guided-nofavourites": (Style(), 4000, {"LOOK_FAVOURITES": 0}),  # the look's contenders in retrieval's order only
}


def choose_tasks(projects: list[str], total: int, seed: int, skip: int = 0) -> list[tuple[str, dict]]:
    """`total` tasks spread evenly over `projects`, each project's drawn with `seed`, past its first `skip`."""
    per = -(-total // len(projects))
    chosen = []
    for name in projects:
        tasks = load_tasks(name)
        random.Random(f"{seed}:{name}").shuffle(tasks)
        chosen += [(name, task) for task in tasks[skip:skip + per]]
    return chosen[:total] if len(chosen) > total else chosen


def indexed_projects(projects: list[str], tasks: list[tuple[str, dict]]):
    """Each project with tasks: (name, source root, its index, ready, its tasks); the index is stopped after."""
    from context.index import RepositoryIndex

    for project in projects:
        mine = [task for name, task in tasks if name == project]
        if not mine:
            continue
        root = source_root(project)
        index = RepositoryIndex(str(root), cache_dir=str(ROOT / ".cache" / "bench-src" / "context-sets-index" / project),
                                watch=False).start()
        index.wait_ready()
        try:
            yield project, root, index, mine
        finally:
            index.stop()


def edit_similarity(a: str, b: str) -> float:
    if not a and not b:
        return 1.0
    row = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        previous, row[0] = row[0], i
        for j, cb in enumerate(b, 1):
            previous, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, previous + (ca != cb))
    return 1 - row[-1] / max(len(a), len(b))


class Remembered:
    """The engine, with completions kept by what decides them: the model, the prompt, the stops."""

    def __init__(self, engine, path: Path) -> None:
        self.engine, self.path = engine, path
        self.saved = json.loads(path.read_text()) if path.exists() else {}
        self.computed = 0

    def __getattr__(self, name):
        return getattr(self.engine, name)

    def complete(self, request, cancel, on_token=None):
        from lsp_server.model.types import Completion

        prompt = self.engine.build_prompt(request)
        decided_by = (self.engine.path, prompt.parts, request.max_tokens, request.stop)
        if request.names or request.members:  # guided decoding: what guides decides too (none: plain, as before)
            later, tagged = ("TOP_BONUS", "FINISH_BIAS", "LOOKAHEAD"), ("LOOK_BIAS", "LOOK_FAVOURITES")
            constants = (getattr(guidance, name) for name in GUIDANCE  # the later ones only when on: older keys hold
                         if name not in tagged and (name not in later or getattr(guidance, name)))
            # Tags for changes of the decoding since older entries were computed: "lead-whole", healing's cut
            # bytes are steered only by tokens covering them all; "keywords-kept", a keyword the model chose stays.
            decided_by += ("lead-whole", "keywords-kept", request.names, request.members, *constants)
            ranking = tuple(getattr(name_ranking, name) for name in RANKING)
            if any(ranking):  # "ranked": candidates' biases from `name_ranking` (none: as before it)
                decided_by += ("ranked-3", request.types, *ranking)
            # "look": candidates chosen by the model's score of their whole spelling ("-4": in retrieval's order;
            # "-5": where the model only retypes healing's cut, from the cursor, cut bytes and all; "-6": the
            # chosen name then followed in its natural tokens)
            if request.usage and name_ranking.USAGE_BIAS:  # "usage": how the code around writes the names
                decided_by += ("usage", name_ranking.USAGE_BIAS, request.usage)
                if name_ranking.SPECIFIC_SHARE:  # "specific": scaled by the key's share (0: as before it)
                    decided_by += ("specific", name_ranking.SPECIFIC_SHARE, request.usage_total)
            if guidance.LOOKAHEAD:
                decided_by += ("look-6",) + (("look-bias", guidance.LOOK_BIAS),) * (guidance.LOOK_BIAS != 1.0)
                # "favourites": the most biased past the look's limit join its contenders (0: as before)
                decided_by += (("favourites", guidance.LOOK_FAVOURITES),) * bool(guidance.LOOK_FAVOURITES)
        key = hashlib.sha256(repr(decided_by).encode()).hexdigest()
        if key not in self.saved:
            self.engine._llm.reset()  # a cold cache: the completion depends on this prompt alone
            done = self.engine.complete(request, cancel, on_token)
            self.saved[key] = [done.text, done.prompt_tokens]
            self.computed += 1
            if self.computed % 5 == 0:
                self.save()
        text, tokens = self.saved[key]
        return Completion(text, self.engine.name, self.engine.prompt_format, tokens)

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if self.path.exists():  # another run may have added some meanwhile
            self.saved = {**json.loads(self.path.read_text()), **self.saved}
        self.path.write_text(json.dumps(self.saved))


def run_task(engine, settings, root: Path, name: str, task: dict, index, style: Style, window: int,
             guided: dict | None) -> dict:
    from lsp_server.assist.pipeline import CompletionPipeline, TextSnapshot
    from context.languages import language_name

    text, offset = masked(root, task)
    gold_rest = (root / task["file"]).read_text(encoding="utf-8", errors="replace").split("\n")[task["line"] - 1]
    gold_rest = gold_rest[task["column"]:].rstrip()
    path = str(root / task["file"])
    snapshot = TextSnapshot(Path(path).as_uri(), path, language_name(path) or "", None, text, offset)
    prompts.STYLE, prompt_window.PREFIX_CHARS = style, window
    for module, constants in ((guidance, GUIDANCE), (name_ranking, RANKING), (name_ranking, USAGE)):
        for constant, default in constants.items():
            setattr(module, constant, (guided or {}).get(constant, default))
    settings = dataclasses.replace(settings, context_guidance=guided is not None)
    outcome = CompletionPipeline().complete(snapshot, settings, engine, index, str(root))
    shown = outcome.text.split("\n")[0].rstrip()
    ident = task["identifier"]
    starts = shown.startswith(ident)
    return {"project": name, "identifier": ident, "shown": shown, "match": starts,
            "exact": starts and not IDENT_CHAR.match(shown[len(ident):len(ident) + 1]),
            "similarity": edit_similarity(shown, gold_rest), "snippets": len(outcome.request.snippets),
            "unseen": ident not in set(WORD.findall(outcome.request.prefix)),  # not in the local window
            "offered": ident in outcome.request.names + outcome.request.members,  # a guidance candidate
            "prompt_tokens": outcome.completion.prompt_tokens if outcome.completion else 0}


def table(rows: dict[tuple[str, bool], list[dict]], variants: list[str]) -> str:
    out = ["| variant | local window | tasks | ident match with | without | with / without | exact name with "
           "| without | edit sim with | without | name not in window: with | without | gold among names | prompt tokens with |",
           "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]

    def share(rs: list[dict], key: str) -> float:
        return sum(r[key] for r in rs) / len(rs)

    for variant in variants:
        with_, without = rows[(variant, True)], rows[(variant, False)]
        base = share(without, "match")
        unseen = [(w["match"], wo["match"]) for w, wo in zip(with_, without) if w["unseen"]]
        blind = f"{sum(a for a, _ in unseen)}/{len(unseen)} | {sum(b for _, b in unseen)}/{len(unseen)}"
        ratio = f"{share(with_, 'match') / base:.2f}x" if base else "-"
        out.append(f"| {variant} | {VARIANTS[variant][1]} | {len(with_)} | {share(with_, 'match'):.1%} | {base:.1%} "
                   f"| {ratio} | {share(with_, 'exact'):.1%} | {share(without, 'exact'):.1%} "
                   f"| {share(with_, 'similarity'):.3f} | {share(without, 'similarity'):.3f} | {blind} "
                   f"| {sum(r.get('offered', False) for r in with_)}/{len(with_)} "
                   f"| {share(with_, 'prompt_tokens'):.0f} |")
    return "\n".join(out)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tasks", type=int, default=60)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--max-tokens", type=int, default=16)
    parser.add_argument("--variants", nargs="*", default=["main", "files"], choices=list(VARIANTS),
                        help="layouts to compare (default: before and after issue 17)")
    parser.add_argument("--held-out", action="store_true", help="the first held-out projects (looked at often)")
    parser.add_argument("--new-held-out", action="store_true",
                        help="the held-out projects added on 2026-12-01 (traced at stop 36)")
    parser.add_argument("--fresh-held-out", action="store_true", help="those added at stop 36 (never traced)")
    parser.add_argument("--model", help="GGUF (default: what the server loads, the embedded SmolLM2)")
    parser.add_argument("--out", default=str(ROOT / "bench" / "results" / "context_use.md"))
    args = parser.parse_args()

    from lsp_server.config import Settings
    from lsp_server.model.loader import load_engine

    settings = dataclasses.replace(Settings(), max_tokens=args.max_tokens, latency_budget_ms=0)
    engine = load_engine(settings.model, cli_model=args.model)
    remembered = Remembered(engine, CACHE / "completions.json")
    projects = chosen_projects(args.held_out, args.new_held_out, args.fresh_held_out)
    # Until 2026-12-04 the dev runs drew seed 0's first 3 tasks of each new held-out project too (a slip):
    # those were tuned on, so the new held-out set starts past them.
    tasks = choose_tasks(projects, args.tasks, args.seed, skip=3 * args.new_held_out)
    rows: dict[tuple[str, bool], list[dict]] = {}
    started = time.perf_counter()
    try:
        for project, root, index, mine in indexed_projects(projects, tasks):
            for task in mine:
                for variant in args.variants:  # equal prompts (no context, few snippets) are computed once
                    style, window, guided = VARIANTS[variant]
                    for context in (False, True):
                        rows.setdefault((variant, context), []).append(run_task(
                            remembered, settings, root, project, task, index if context else None, style, window, guided))
            print(f"{project}: {len(mine)} tasks, {remembered.computed} computed, "
                  f"{time.perf_counter() - started:.0f} s", file=sys.stderr)
    finally:
        remembered.save()
    which = ("held-out" if args.held_out else "new held-out" if args.new_held_out
             else "fresh held-out" if args.fresh_held_out else "dev")
    report = (f"# Context use: {engine.name} ({engine.prompt_format}), {len(tasks)} tasks, "
              f"{which} projects, "
              f"seed {args.seed}, max tokens {args.max_tokens}\n\n"
              + table(rows, args.variants) + "\n")
    print(report)
    Path(args.out).write_text(report)
    Path(args.out).with_suffix(".json").write_text(json.dumps({f"{k[0]}|{k[1]}": v for k, v in rows.items()}, indent=1))
    engine.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
