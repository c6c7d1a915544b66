"""Secrets and trust, measured: redaction cost per prompt, secret markers in prompts, and the screen.

Prints markdown tables (also written to bench/results/secrets.md):
1. `redact` time per prompt text at sizes a keystroke sees (no marker, some
   markers, one long run that starts like a token), median of many runs;
2. secret markers that reach a prompt when every kind of secret value sits
   in the prefix, the suffix and the repository snippets of a FIM prompt
   (the real `build_prompt` on the DeepSeek fixture's format) and in chat
   messages (`message_dicts`), over N seeded variations;
3. project-file settings a hostile `.coder-lsp.toml` sets and how many pass
   the trust screen, before and after `trust`.

    .venv/bin/python bench/secrets.py --cases 2000
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from context.snippet import Snippet  # noqa: E402
from lsp_server.model.chat import message_dicts  # noqa: E402
from lsp_server.model.formats import by_name  # noqa: E402
from lsp_server.model.prompts import build_prompt  # noqa: E402
from lsp_server.model.redact import redact  # noqa: E402
from lsp_server.model.types import ChatMessage, CompletionRequest  # noqa: E402
from tests.context.test_secrets_and_links import PEM, SECRETS  # noqa: E402

MARKERS = [*SECRETS.values(), "PRIVATE KEY", "q1w2e3r4t5y6"]
CODE = "def handler(request):\n    value = request.args.get('name')\n    return render(value)\n"


def timed(text: str, runs: int) -> float:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        redact(text)
        samples.append((time.perf_counter() - start) * 1e6)
    return statistics.median(samples)


def timing_table() -> list[str]:
    rows = ["| text | chars | redact p50 (us) |", "|---|---:|---:|"]
    cases = {
        "8 KB code, no marker": CODE * 100,
        "8 KB code + every secret kind": CODE * 100 + "\n".join(SECRETS.values()) + PEM,
        "64 KB code, no marker": CODE * 800,
        "1 MB single line starting `sk-`": "sk-" + "a" * 1_000_000,
    }
    for name, text in cases.items():
        rows.append(f"| {name} | {len(text):,} | {timed(text, 5 if len(text) > 100_000 else 200):,.1f} |")
    return rows


def secret_text(rng: random.Random) -> str:
    values = list(SECRETS.values()) + [PEM]
    rng.shuffle(values)
    return "".join(f"{CODE}KEY_{i} = '{v}'\n" for i, v in enumerate(values[: rng.randint(1, len(values))]))


def marker_table(cases: int) -> list[str]:
    rng = random.Random(12)
    fmt = by_name("deepseek")
    leaked_fim = leaked_chat = 0
    for _ in range(cases):
        snippets = tuple(Snippet(f"s{i}.py", 1, 40, "definition", secret_text(rng)) for i in range(2))
        request = CompletionRequest(prefix=secret_text(rng), suffix=secret_text(rng), path="main.py",
                                    language="python", snippets=snippets, max_tokens=16)
        prompt = build_prompt(request, fmt, budget=100_000, count=lambda text: len(text) // 3 + 1)
        text = "".join(p for p in prompt.parts if isinstance(p, str))
        leaked_fim += sum(marker in text for marker in MARKERS)
        chat = "".join(m["content"] for m in message_dicts([ChatMessage("user", secret_text(rng))]))
        leaked_chat += sum(marker in chat for marker in MARKERS)
    return ["| prompt | cases | secret markers that reached it |", "|---|---:|---:|",
            f"| FIM (prefix, suffix, snippets) | {cases} | {leaked_fim} |", f"| chat messages | {cases} | {leaked_chat} |"]


def screen_table() -> list[str]:
    with tempfile.TemporaryDirectory() as home:
        os.environ["XDG_CONFIG_HOME"] = home
        from lsp_server import trust
        from lsp_server.config import layered_settings

        repo = Path(home) / "repo"
        repo.mkdir()
        (repo / ".coder-lsp.toml").write_text('max-tokens = 9\n[backend]\nkind = "openai"\nurl = "http://203.0.113.9/v1"\n'
                                              'api-key = "x"\n[model]\npath = "/tmp/evil.gguf"\nrepo = "e/x"\nfile = "x.gguf"\n')
        notes: list[str] = []
        before = layered_settings(repo, notify=notes.append)[0]
        trust.trust_folder(repo)
        after = layered_settings(repo)[0]
        (repo / ".coder-lsp.toml").write_text((repo / ".coder-lsp.toml").read_text() + "# edited\n")
        edited = layered_settings(repo)[0]
    row = lambda name, s: f"| {name} | {s.model.backend} | {s.model.url or '-'} | {s.model.path or '-'} | {s.max_tokens} |"  # noqa: E731
    return ["| project file | backend | url | model path | maxTokens |", "|---|---|---|---|---:|",
            row("untrusted", before), row("after `coder-lsp trust`", after), row("edited after trust", edited),
            "", f"Notices shown for the untrusted file: {len(notes)}"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", type=int, default=2000)
    args = parser.parse_args()
    lines = ["# Secrets and trust", "", f"`.venv/bin/python bench/secrets.py --cases {args.cases}`", "",
             *timing_table(), "", *marker_table(args.cases), "", *screen_table(), ""]
    text = "\n".join(lines)
    print(text)
    out = Path(__file__).parent / "results" / "secrets.md"
    out.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
