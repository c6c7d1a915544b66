"""The committed dev sets and the eval that reads them: well-formed tasks, per-language and per-cause report."""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bench" / "context_sets"))
sys.path.insert(0, str(ROOT / "bench"))

import context_eval  # noqa: E402
from sources import PROJECTS  # noqa: E402

CAUSES = {"import", "reexport", "qualified", "overload", "package"}


def test_every_project_has_committed_tasks_of_known_causes():
    languages = set()
    for name, (language, client, spec, _root) in PROJECTS.items():
        tasks = context_eval.load_tasks(name)
        assert 30 <= len(tasks) <= 60, name
        assert client in ("pip", "npm", "deb") and spec
        languages.add(language)
        for task in tasks:
            assert set(task) == {"file", "line", "column", "identifier", "gold_file", "gold_line", "cause"}
            assert task["cause"] in CAUSES and task["file"] != task["gold_file"]
            assert task["line"] >= 1 and task["gold_line"] >= 1 and task["column"] >= 0
    assert languages == {"python", "typescript", "go"}


def test_the_eval_runs_offline_on_a_project_and_reports_per_cause(tmp_path, monkeypatch):
    root = tmp_path / "proj"
    (root / "pkg").mkdir(parents=True)
    (root / "pkg/shapes.py").write_text("def area(w, h):\n    return w * h\n")
    (root / "pkg/app.py").write_text("from pkg.shapes import area\n\n\ndef run():\n    return area(2, 3)\n")
    task = {"file": "pkg/app.py", "line": 5, "column": 11, "identifier": "area", "gold_file": "pkg/shapes.py",
            "gold_line": 1, "cause": "import"}
    monkeypatch.setitem(context_eval.PROJECTS, "tiny", ("python", "pip", "tiny==0", ""))
    monkeypatch.setattr(context_eval, "source_root", lambda name: root)
    monkeypatch.setattr(context_eval, "load_tasks", lambda name: [task])
    result = context_eval.evaluate("tiny", tmp_path / "cache")
    assert result["hits"][0]["ours"] == {1024: True, 2048: True}
    table = context_eval.report([result])
    assert "| **python** | python | 1 | 100.0% |" in table
    assert "| python | import | 1 | 100.0% |" in table
    json.dumps(result)  # --json keeps it


def test_an_outline_eliding_the_gold_line_does_not_count(tmp_path):
    from context.snippet import Snippet
    (tmp_path / "a.py").write_text("class A:\n    x = 1\n    y = 2\n    def f(self):\n        pass\n")
    task = {"gold_file": "a.py", "gold_line": 3}
    elided = Snippet("a.py", 1, 5, "outline", "class A:\n    ...\n    def f(self):")
    shown = Snippet("a.py", 1, 5, "outline", "class A:\n    y = 2\n    ...\n    def f(self):")
    assert not context_eval.shows(tmp_path, [elided], task)
    assert context_eval.shows(tmp_path, [shown], task)
