"""Names a file sees beyond its own imports: Go packages, re-export chains, overloads, stubs, guesses."""

from __future__ import annotations

from pathlib import Path

from context.go_package import package_clause, package_name
from context.retrieval import MAX_SNIPPETS, retrieve


def write(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def spans(snippets):
    return [(s.file, s.start_line, s.end_line) for s in snippets]


def covers(snippets, file, line):
    return any(s.file == file and s.start_line <= line <= s.end_line for s in snippets)


def at_end_of(text: str, marker: str) -> int:
    return text.index(marker) + len(marker)


def test_go_package_names_visible_without_import_by_package_clause(make_index, tmp_path):
    root = write(tmp_path / "ws", {
        "go.mod": "module example.com/m\n",
        "parse/date.go": "package parse\n\nfunc parseLocalDate(b []byte) (int, error) {\n\treturn 0, nil\n}\n",
        "parse/gen.go": "//go:build ignore\n\npackage main\n\nfunc parseLocalDateOther() {}\n",
        "parse/date_test.go": "package parse\n\nfunc parseLocalDateForTest() {}\n",
        "parse/local.go": "package parse\n\ntype LocalDate struct{ Year int }\n\n"
                          "func (d *LocalDate) UnmarshalText(b []byte) error {\n\tv, err := \n\treturn err\n}\n",
    })
    index = make_index(root)
    text = (root / "parse/local.go").read_text()
    snippets = retrieve(index, "parse/local.go", text, at_end_of(text, "v, err := "), 1024)
    assert covers(snippets, "parse/date.go", 3), spans(snippets)
    assert not any(s.file in ("parse/gen.go", "parse/date_test.go") for s in snippets), spans(snippets)


def test_go_package_clause_and_default_names():
    assert package_clause("// Copyright\n\n//go:build linux\n\npackage toml // comment\n") == "toml"
    assert package_clause("// package notthis\n") == ""
    assert package_name("github.com/pelletier/go-toml/v2") == "toml"
    assert package_name("gopkg.in/yaml.v3") == "yaml"
    assert package_name("example.com/x/v2/unstable") == "unstable"
    assert package_name("net/http") == "http"


def test_go_import_with_major_version_suffix_binds_the_element_before(make_index, tmp_path):
    root = write(tmp_path / "ws", {
        "go.mod": "module example.com/m\n",
        "lib/v2/lib.go": "package lib\n\nfunc Frobnicate(n int) int {\n\treturn n\n}\n",
        "cmd/main.go": 'package main\n\nimport "example.com/m/lib/v2"\n\nfunc main() {\n\t_ = lib.Frobnicate(1)\n}\n',
    })
    index = make_index(root)
    text = (root / "cmd/main.go").read_text()
    snippets = retrieve(index, "cmd/main.go", text, at_end_of(text, "_ = lib.Frob"), 1024)
    assert covers(snippets, "lib/v2/lib.go", 3), spans(snippets)


def test_typescript_barrels_reach_the_declaring_file(make_index, tmp_path):
    root = write(tmp_path / "ws", {
        "src/util/strings.ts": "export function padLeft(s: string, n: number): string {\n  return s;\n}\n",
        "src/util/numbers.ts": "export const clampValue = (n: number) => n;\n",
        "src/util/index.ts": "export * from './strings';\nexport { clampValue as clamp } from './numbers';\n",
        "src/index.ts": "export * from './util';\n",
        "src/app.ts": "import { padLeft, clamp } from './index';\n\nexport function show(n: number) {\n"
                      "  const text = padLeft(String(clamp(n)), 4);\n  return text;\n}\n",
    })
    index = make_index(root)
    text = (root / "src/app.ts").read_text()
    snippets = retrieve(index, "src/app.ts", text, text.index("  return text"), 1024)
    assert covers(snippets, "src/util/strings.ts", 1), spans(snippets)
    assert covers(snippets, "src/util/numbers.ts", 1), spans(snippets)


def test_python_package_reexporting_a_submodule(make_index, tmp_path):
    root = write(tmp_path / "ws", {
        "pkg/__init__.py": "from pkg import helpers\n",
        "pkg/helpers.py": "def slugify(text):\n    return text.lower()\n",
        "app.py": "from pkg import helpers\n\n\ndef run(title):\n    return helpers.slugify(title)\n",
    })
    index = make_index(root)
    text = (root / "app.py").read_text()
    snippets = retrieve(index, "app.py", text, at_end_of(text, "helpers.slugify("), 1024)
    assert covers(snippets, "pkg/helpers.py", 1), spans(snippets)


def test_overloads_offer_the_implementation(make_index, tmp_path):
    stubs = "".join(f"@overload\ndef convert(x: {t}) -> {t}: ...\n" for t in ("int", "str", "bytes"))
    root = write(tmp_path / "ws", {
        "conv.py": "from typing import overload\n\n" + stubs + "def convert(x):\n    return x\n",
        "conv.ts": "".join(f"export function convert(x: {t}): {t};\n" for t in ("number", "string", "boolean"))
                   + "export function convert(x: any): any {\n  return x;\n}\n",
        "use.py": "from conv import convert\n\n\ndef run(v):\n    return convert(v)\n",
        "use.ts": "import { convert } from './conv';\n\nexport function run(v: number) {\n  return convert(v);\n}\n",
    })
    index = make_index(root)
    for rel, gold in (("use.py", ("conv.py", 9)), ("use.ts", ("conv.ts", 4))):
        text = (root / rel).read_text()
        snippets = retrieve(index, rel, text, text.index("convert(v)"), 1024)
        assert covers(snippets, *gold), (rel, spans(snippets))


def test_a_stub_beside_its_module_is_not_given_twice(make_index, tmp_path):
    root = write(tmp_path / "ws", {
        "lib.py": "def area(w, h):\n    return w * h\n",
        "lib.pyi": "def area(w: float, h: float) -> float: ...\n",
        "app.py": "from lib import area\n\n\ndef run():\n    return area(2, 3)\n",
    })
    index = make_index(root)
    text = (root / "app.py").read_text()
    snippets = retrieve(index, "app.py", text, text.index("area(2"), 1024)
    assert covers(snippets, "lib.py", 1), spans(snippets)
    assert not any(s.file == "lib.pyi" for s in snippets), spans(snippets)


def test_many_imports_give_few_snippets_ranked_by_nearby_words(make_index, tmp_path):
    names = [f"is_kind{n}" for n in range(30)] + [f"make_widget{n}" for n in range(30)]
    files = {f"checks{n % 6}.py": "" for n in range(6)}
    for n, name in enumerate(names):
        files[f"checks{n % 6}.py"] += f"def {name}(value):\n    return value\n\n\n"
    imports = "".join(f"from checks{n % 6} import {name}\n" for n, name in enumerate(names))
    files["app.py"] = imports + "\n\ndef classify(value):\n    if is_kind3(value):\n        return 3\n    if "
    root = write(tmp_path / "ws", files)
    index = make_index(root)
    text = files["app.py"]
    snippets = retrieve(index, "app.py", text, len(text), 1024)
    assert len(snippets) <= MAX_SNIPPETS
    assert sum(s.tokens for s in snippets) <= 1024
    snippets = retrieve(index, "app.py", text, len(text), 160)  # room for about a quarter of them
    shown = "\n".join(s.text for s in snippets)
    # `is_` was typed nearby: those names come before the unrelated make_widget ones.
    assert shown.count("def is_kind") > shown.count("def make_widget"), shown


def test_alias_member_ranked_by_the_files_other_uses(make_index, tmp_path):
    members = "".join(f"def helper_{n}(x):\n    return x\n\n\n" for n in range(40))
    root = write(tmp_path / "ws", {
        "tools.py": members,
        "app.py": "import tools as t\n\n\ndef early(v):\n    return t.helper_37(v)\n\n\n"
                  + "\n" * 80 + "def late(v):\n    y = v + 1\n    return t.",
    })
    index = make_index(root)
    text = (root / "app.py").read_text()
    snippets = retrieve(index, "app.py", text, len(text), 256)
    assert covers(snippets, "tools.py", 37 * 4 + 1), spans(snippets)


def test_one_outline_stays_small_at_any_budget(make_index, tmp_path):
    methods = "".join(f"    def method_{n}(self, a, b, c):\n        return {n}\n\n" for n in range(120))
    root = write(tmp_path / "ws", {
        "big.py": "class Big:\n" + methods,
        "app.py": "from big import Big\n\n\ndef run(b: Big):\n    return b.method_3(1, 2, 3)\n",
    })
    index = make_index(root)
    text = (root / "app.py").read_text()
    snippets = retrieve(index, "app.py", text, text.index("b.method_3"), 8192)
    assert any(s.file == "big.py" for s in snippets), spans(snippets)
    assert all(s.tokens <= 256 for s in snippets if s.file == "big.py"), [(s.tokens, s.kind) for s in snippets]


def test_a_web_of_barrels_is_followed_within_bounds(make_index, tmp_path):
    files = {f"src/b{n}.ts": "".join(f"export * from './b{m}';\n" for m in range(40)) for n in range(40)}
    files["src/app.ts"] = "import { missingName } from './b0';\n\nexport function run() {\n  return missingName();\n}\n"
    root = write(tmp_path / "ws", files)
    index = make_index(root)
    text = files["src/app.ts"]
    assert retrieve(index, "src/app.ts", text, text.index("missingName()"), 1024) == ()


def test_go_mod_maps_the_module_root_package(make_index, tmp_path):
    root = write(tmp_path / "ws", {
        "go.mod": "// the module\nmodule github.com/acme/go-widget/v3\n\ngo 1.21\n",
        "widget.go": "package widget\n\ntype LocalClock struct{ Hour int }\n",
        "internal/run/run.go": 'package run\n\nimport "github.com/acme/go-widget/v3"\n\n'
                               "func Run() {\n\tvar c widget.LocalClock\n\t_ = c\n}\n",
    })
    index = make_index(root)
    assert index.table.go_module == "github.com/acme/go-widget/v3"
    text = (root / "internal/run/run.go").read_text()
    snippets = retrieve(index, "internal/run/run.go", text, at_end_of(text, "var c widget."), 1024)
    assert covers(snippets, "widget.go", 3), spans(snippets)


def test_a_go_mod_that_is_not_a_plain_file_is_not_read(tmp_path):
    import os

    from context.go_package import module_path
    os.mkfifo(tmp_path / "go.mod")  # opening a FIFO would block the indexing thread
    assert module_path(str(tmp_path)) == ""

