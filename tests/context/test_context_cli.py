"""`coder-lsp context` as a subprocess: the JSON format evaluations depend on."""

from __future__ import annotations

import json
import subprocess

from tests.conftest import CODER_LSP
from tests.context.conftest import WORKSPACES


def run_context(*args, env=None):
    return subprocess.run([*CODER_LSP, "context", *args], capture_output=True, text=True, timeout=120, env=env)


def test_json_output_format(isolated_home):
    root = WORKSPACES / "python"
    result = run_context("--workspace", str(root), "--budget", "300", "--json", "shop/services/checkout.py:8:5")
    assert result.returncode == 0, result.stderr
    payload = json.loads(result.stdout)
    assert set(payload) == {"snippets", "tokens", "elapsed_ms"}
    assert payload["snippets"] and payload["tokens"] <= 300 and payload["elapsed_ms"] >= 0
    for row in payload["snippets"]:
        assert set(row) == {"file", "start_line", "end_line", "kind", "text"}
        assert row["kind"] in {"definition", "outline", "similar"}
        lines = (root / row["file"]).read_text().split("\n")[row["start_line"] - 1:row["end_line"]]
        shown = row["text"].split("\n")
        assert [line for line in shown if line.strip() != "..."] == [line for line in lines if line in shown]
        assert row["kind"] == "outline" or shown == lines
    assert sum(-(-len(row["text"]) // 4) for row in payload["snippets"]) == payload["tokens"]
    assert any(row["file"] == "shop/services/pricing.py" and row["start_line"] == 4 for row in payload["snippets"])


def test_absolute_file_recent_files_and_plain_output(isolated_home):
    root = WORKSPACES / "go"
    target = root / "cmd/app/main.go"
    result = run_context("--workspace", str(root), "--budget", "200", f"{target}:12:2",
                         "--recent", str(root / "cmd/app/helpers.go"))
    assert result.returncode == 0, result.stderr
    assert "internal/store/store.go" in result.stdout and "tokens" in result.stdout


def test_bad_locations_fail_with_a_message(isolated_home):
    for location in ("nofile", "x.py:0:1", "x.py:a:b"):
        result = run_context("--workspace", str(WORKSPACES / "python"), "--json", location)
        assert result.returncode == 2 and ("FILE:LINE:COL" in result.stderr or "1-based" in result.stderr)
    missing = run_context("--workspace", str(WORKSPACES / "python"), "--json", "missing.py:1:1")
    assert missing.returncode == 2 and "missing.py" in missing.stderr


def test_tokens_are_counted_with_the_models_tokenizer(isolated_home):
    from tests.conftest import DEEPSEEK_MODEL

    result = run_context("--workspace", str(WORKSPACES / "python"), "--budget", "200", "--json",
                         "--model", str(DEEPSEEK_MODEL), "shop/services/checkout.py:8:5")
    assert result.returncode == 0, result.stderr
    payload = json.loads(result.stdout)
    assert payload["snippets"] and payload["tokens"] <= 200
    assert payload["tokens"] != sum(-(-len(row["text"]) // 4) for row in payload["snippets"])
