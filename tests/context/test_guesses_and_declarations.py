"""Guesses for a cursor whose name is not typed yet (the Go package's names this file uses elsewhere,
grouped `var ( ... )`, `pkg.|` over every file of a package) and declarations a parse error hid."""

from __future__ import annotations

from pathlib import Path

from context.languages import language_for
from context.retrieval import retrieve
from context.syntax import extract_definitions


def write(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def covers(snippets, file, line):
    return any(s.file == file and s.start_line <= line <= s.end_line for s in snippets)


def spans(snippets):
    return [(s.file, s.start_line, s.end_line) for s in snippets]


def test_grouped_go_var_and_const_blocks_define_each_name():
    spec = language_for("go")
    source = b"package x\n\nvar (\n\tA = 1\n\tB, C = 2, 3\n)\n\nconst (\n\tD = iota\n\tE\n)\n\nfunc f() {\n\tvar (\n\t\tz = 1\n\t)\n}\n"
    names = {(d.name, d.start_line) for d in extract_definitions(spec, source, spec.parse(source).root_node,
                                                                  with_headers=False)}
    assert {("A", 4), ("B", 5), ("C", 5), ("D", 9), ("E", 10), ("f", 13)} <= names
    assert not any(name == "z" for name, _ in names)  # a function's own var block is local


def test_a_package_name_the_file_uses_far_from_the_cursor_is_offered(make_index, tmp_path):
    filler = "".join(f"\tx{i} := {i}\n\t_ = x{i}\n" for i in range(60))
    cursor_file = ("package router\n\nfunc first(m *Match) bool {\n\treturn m.Err == ErrNotFound\n}\n\n"
                   "func (m *Match) ErrMethodMismatch() {}\n\n"
                   f"func second(m *Match) bool {{\n{filler}\tif m.Err == ")
    root = write(tmp_path / "ws", {
        "go.mod": "module example.com/router\n",
        "errors.go": 'package router\n\nimport "errors"\n\nvar (\n\tErrNotFound = errors.New("not found")\n'
                     '\tErrMethodMismatch = errors.New("method")\n)\n\ntype Match struct{ Err error }\n',
        "route.go": cursor_file + "\n\t\treturn true\n\t}\n\treturn false\n}\n",
    })
    index = make_index(root)
    text = (root / "route.go").read_text()
    snippets = retrieve(index, "route.go", text, len(cursor_file), 1024)
    assert covers(snippets, "errors.go", 6), spans(snippets)


def test_pkg_dot_offers_exported_names_of_a_small_package_across_its_files(make_index, tmp_path):
    root = write(tmp_path / "ws", {
        "go.mod": "module example.com/m\n",
        "flags/a.go": "package flags\n\nfunc helper() {}\n",
        "flags/b.go": "package flags\n\nfunc other() {}\n",
        "flags/flags.go": "package flags\n\n// Deterministic makes output stable.\nvar Deterministic bool\n",
        "report/report.go": 'package report\n\nimport "example.com/m/flags"\n\nfunc write() {\n\tif flags.',
    })
    index = make_index(root)
    text = (root / "report/report.go").read_text()
    snippets = retrieve(index, "report/report.go", text, len(text), 1024)
    assert covers(snippets, "flags/flags.go", 4), spans(snippets)
    assert not any(s.file in ("flags/a.go", "flags/b.go") for s in snippets), spans(snippets)


def test_declarations_after_a_parse_error_are_still_definitions():
    # tree-sitter's TypeScript grammar rejects this valid interface and swallows the rest of the file
    spec = language_for("typescript")
    source = (b"export interface Factory {\n    <T>(fn: T): T\n    <T>(name: string, fn: T): T\n}\n\n"
              b"export const ACTION = \"action\"\n\nexport function isAction(thing: any) {\n"
              b"    return thing.isMobxAction === true\n}\n")
    root = spec.parse(source).root_node
    assert root.has_error
    found = {d.name: (d.kind, d.start_line, d.end_line) for d in extract_definitions(spec, source, root)}
    assert found["isAction"] == ("function", 8, 10)
    assert found["ACTION"][1] == 6


def test_a_constant_made_by_an_iife_is_a_definition():
    spec = language_for("typescript")
    source = b"export let state: Globals = (function () {\n    return new Globals()\n})()\nexport const f = (a) => a\n"
    found = {(d.name, d.kind) for d in extract_definitions(spec, source, spec.parse(source).root_node)}
    assert ("state", "constant") in found and ("f", "function") in found and ("f", "constant") not in found


def test_python_module_names_bound_under_if_try_and_with_are_definitions():
    spec = language_for("python")
    source = (b"A, B = 1, 2\nC = D = 3\nif flag:\n    E = 1\nelse:\n    F = 2\ntry:\n    G = 1\n"
              b"except ImportError:\n    H = 2\nwith lock:\n    W = 1\n\n\ndef f():\n    local = 1\n\n\n"
              b"class K:\n    field = 1\n")
    found = {(d.name, d.kind, d.start_line, d.parent)
             for d in extract_definitions(spec, source, spec.parse(source).root_node)}
    for name, line in (("A", 1), ("B", 1), ("C", 2), ("D", 2), ("E", 4), ("F", 6), ("G", 8), ("H", 10), ("W", 12)):
        assert (name, "constant", line, "") in found
    assert not any(name == "local" for name, *_ in found)
    assert ("field", "field", 20, "K") in found


def test_typescript_var_declarations_are_definitions():
    spec = language_for("typescript")
    source = b"export var isMap = make(1)\nvar f = function () {}\nfunction k() {\n    var local = 1\n}\n"
    found = {(d.name, d.kind) for d in extract_definitions(spec, source, spec.parse(source).root_node)}
    assert ("isMap", "constant") in found and ("f", "function") in found
    assert not any(name == "local" for name, _ in found)


def test_a_header_of_many_lines_can_shrink_to_its_name_line():
    from context.packing import definition_snippets
    spec = language_for("typescript")
    text = ("export interface QueryOptions<\n  TData = unknown,\n  TError = Error,\n  TKey = string,\n> {\n"
            "  retry: number\n}\n")
    source = text.encode()
    [d] = [d for d in extract_definitions(spec, source, spec.parse(source).root_node) if d.name == "QueryOptions"]
    variants = definition_snippets("types.ts", d, text.split("\n"), [], compact=True)
    assert variants[-1].text == "export interface QueryOptions<" and variants[-1].start_line == 1
    assert len(variants[0].text.split("\n")) > 1  # the whole header first, while the budget allows


def test_recovered_declarations_are_bounded_by_a_lost_brace():
    from context.recovery import MAX_BODY_LINES, recovered
    source = b"<T>(x\nexport function open() {\n" + b"  x\n" * (MAX_BODY_LINES * 2) + b"}\nexport const after = 1\n"
    found = {name: (start, end) for name, _kind, start, end, _text in
             recovered("typescript", source, set(), lambda *fields: fields)}
    assert found["open"] == (2, 2 + MAX_BODY_LINES)
    assert found["after"][0] == MAX_BODY_LINES * 2 + 4
    assert recovered("python", source, set(), lambda *fields: fields) == []  # only languages it knows
