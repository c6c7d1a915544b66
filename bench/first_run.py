"""First run to first suggestion: `coder-lsp pull`, `coder-lsp use`, then one completion, timed.

A local Hub (tests/model/hub_server.py on 127.0.0.1, the real huggingface_hub
client) serves a fixture GGUF as `bench-org/<name>-GGUF`; each step runs as
the user would run it, a fresh `coder-lsp` process, in a temporary HOME, so
import and load costs are included. The download is reported on its own
line; "use -> first suggestion" is `use` plus the first `complete`, which
finds the model through the user config file `use` wrote (and the table
checks it did). Prints a markdown table.

    .venv/bin/python bench/first_run.py                      # the Qwen2.5-Coder fixture
    .venv/bin/python bench/first_run.py --model fixtures/models/deepseek-coder-v2-tiny.gguf
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.model.hub_server import HubServer  # noqa: E402

TARGET = ROOT / "fixtures" / "workspaces" / "python" / "shop" / "services" / "pricing.py"


def timed(args: list[str], env: dict) -> tuple[float, subprocess.CompletedProcess]:
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "lsp_server", *args], capture_output=True, text=True,
                          env=env, cwd=ROOT, timeout=600)
    if done.returncode != 0:
        sys.exit(f"coder-lsp {' '.join(args)} failed:\n{done.stderr}")
    return (time.perf_counter() - started) * 1000, done


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=str(ROOT / "fixtures" / "models" / "qwen2.5-coder-tiny.gguf"))
    args = parser.parse_args()
    model = Path(args.model)
    repo, file = f"bench-org/{model.stem}-GGUF", model.name
    line = max(1, len(TARGET.read_text().split("\n")) // 2)
    with tempfile.TemporaryDirectory() as home, HubServer({(repo, file): model.read_bytes()}) as hub:
        env = {**os.environ, "HOME": home, "XDG_CONFIG_HOME": f"{home}/.config", "XDG_CACHE_HOME": f"{home}/.cache",
               "HF_ENDPOINT": hub.url, "HF_HUB_DISABLE_XET": "1", "PYTHONPATH": str(ROOT)}
        env.pop("CODER_LSP_MODEL", None)
        env.pop("HF_HUB_CACHE", None)
        env.pop("HF_HOME", None)
        pull_ms, _ = timed(["pull", f"{repo}:{file}"], env)
        use_ms, _ = timed(["use", f"{repo}:{file}"], env)
        complete_ms, done = timed(["complete", f"{TARGET}:{line}:1", "--json", "--max-tokens", "16"], env)
        result = json.loads(done.stdout)
    size = model.stat().st_size / 1e6
    print(f"| step ({model.name}, {size:.1f} MB) | wall ms |")
    print("| --- | ---: |")
    print(f"| download: coder-lsp pull (local Hub, sha256 checked) | {pull_ms:.0f} |")
    print(f"| coder-lsp use | {use_ms:.0f} |")
    print(f"| first coder-lsp complete ({result.get('model')}: load {result.get('load_ms', '?')} ms, ttft {result.get('ttft_ms', '?')} ms)"
          f" | {complete_ms:.0f} |")
    print(f"| use -> first suggestion | {use_ms + complete_ms:.0f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
