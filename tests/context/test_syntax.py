"""Languages, queries and the syntax helpers on small real sources in all eight languages."""

from __future__ import annotations

import pytest

from context.imports import WILDCARD, ImportRecord, extract_imports
from context.languages import language_for, supported_languages
from context.syntax import definitions, encode, enclosing_scope, error_count

SOURCES = {
    "python": (
        "import os\n"
        "from .models import User as U\n"
        "MAX = 10\n"
        "@decorator\n"
        "def top(a: int,\n"
        "        b: str) -> int:\n"
        "    return a\n"
        "class Foo(Base):\n"
        "    def bar(self):\n"
        "        pass\n"
    ),
    "javascript": 'import x from "./x.js";\nexport function hello(n) { return n; }\nconst LIMIT = 5;\nclass W { m() {} }\n',
    "typescript": (
        'import { A, B as C } from "./a";\n'
        "export interface Shape { area(): number }\n"
        "export type Id = string;\n"
        "export class Sq implements Shape {\n  area(): number { return 1; }\n}\n"
    ),
    "tsx": 'import React from "react";\nexport function App(props: Props) {\n  return <div>{props.x}</div>;\n}\n',
    "go": (
        'package x\nimport (\n f "fmt"\n "example.com/m/util"\n)\nconst A = 1\n'
        "type S struct {\n  N int\n}\nfunc (s *S) Get(k string) (int, error) {\n return 0, nil\n}\n"
    ),
    "rust": "use crate::a::{b, c as d};\npub struct P { x: i32 }\nimpl P {\n  pub fn new() -> Self { P { x: 0 } }\n}\nfn main() {}\n",
    "java": "package a.b;\nimport a.c.D;\npublic class K extends D {\n  private int f;\n  public int get() { return f; }\n}\n",
    "c": '#include "util.h"\n#define N 3\nstruct pt { int x; };\nint add(int a, int b)\n{\n  return a + b;\n}\n',
    "cpp": (
        '#include "a.hpp"\nnamespace ns {\nclass Box {\n public:\n  int area() const;\n};\n}\n'
        "int ns::Box::area() const { return 1; }\n"
    ),
}

EXPECTED = {  # (name, kind, start_line, parent) that must be among the definitions
    "python": [("MAX", "constant", 3, ""), ("top", "function", 4, ""), ("Foo", "class", 8, ""), ("bar", "method", 9, "Foo")],
    "javascript": [("hello", "function", 2, ""), ("LIMIT", "constant", 3, ""), ("W", "class", 4, ""), ("m", "method", 4, "W")],
    "typescript": [("Shape", "interface", 2, ""), ("Id", "type", 3, ""), ("Sq", "class", 4, ""), ("area", "method", 5, "Sq")],
    "tsx": [("App", "function", 2, "")],
    "go": [("A", "constant", 6, ""), ("S", "struct", 7, ""), ("Get", "method", 10, "S")],
    "rust": [("P", "struct", 2, ""), ("P", "impl", 3, ""), ("new", "method", 4, "P"), ("main", "function", 6, "")],
    "java": [("K", "class", 3, ""), ("f", "field", 4, "K"), ("get", "method", 5, "K")],
    "c": [("N", "constant", 2, ""), ("pt", "struct", 3, ""), ("add", "function", 4, "")],
    "cpp": [("ns", "module", 2, ""), ("Box", "class", 3, ""), ("area", "method", 5, "Box"), ("area", "method", 8, "Box")],
}


@pytest.mark.parametrize("name", supported_languages())
def test_every_language_loads_with_its_queries(name):
    spec = language_for(name)
    assert spec is not None and spec.name == name
    for section in ("definitions", "imports", "uses"):
        assert spec.query(section).pattern_count > 0


@pytest.mark.parametrize(
    "key, expected",
    [("src/a.py", "python"), ("App.tsx", "tsx"), ("x.ts", "typescript"), ("typescriptreact", "tsx"),
     ("m.mjs", "javascript"), ("main.go", "go"), ("lib.rs", "rust"), ("K.java", "java"), ("a.c", "c"),
     ("a.h", "cpp"), ("b.hpp", "cpp"), ("cpp", "cpp"), ("README.md", None), ("Makefile", None)],
)
def test_language_for_paths_and_language_ids(key, expected):
    spec = language_for(key)
    assert (spec.name if spec else None) == expected


@pytest.mark.parametrize("language", sorted(SOURCES))
def test_definitions_with_kinds_lines_and_parents(language):
    found = {(d.name, d.kind, d.start_line, d.parent) for d in definitions(language, SOURCES[language])}
    for expected in EXPECTED[language]:
        assert expected in found, (expected, sorted(found))


@pytest.mark.parametrize("language", sorted(SOURCES))
def test_clean_sources_have_no_errors(language):
    assert error_count(language, SOURCES[language]) == 0


def test_headers_stop_at_the_body_and_keep_decorators():
    by_name = {d.name: d for d in definitions("python", SOURCES["python"])}
    top = by_name["top"]
    assert top.header == "@decorator\ndef top(a: int,\n        b: str) -> int:"
    assert (top.start_line, top.header_end_line, top.end_line) == (4, 6, 7)
    go = {d.name: d for d in definitions("go", SOURCES["go"])}
    assert go["Get"].header == "func (s *S) Get(k string) (int, error)"
    assert go["S"].header == "type S struct"


@pytest.mark.parametrize(
    "language, text",
    [("python", "def f(:\n    return 1\n"), ("javascript", "function f( {\n"), ("go", "package x\nfunc f( {\n"),
     ("rust", "fn f( {\n"), ("java", "class A { void f( }\n"), ("c", "int f( {\n"), ("cpp", "class A { int f( };\n"),
     ("typescript", "let x: = 3;\n")],
)
def test_syntax_errors_are_counted_and_definitions_still_come(language, text):
    assert error_count(language, text) > 0
    definitions(language, text)  # recovers instead of raising


def test_missing_nodes_count_as_errors():
    assert error_count("javascript", "let a = (1 + 2;\n") >= 1


def test_definitions_survive_errors_elsewhere_in_the_file():
    text = "def good(x):\n    return x\n\ndef bad(:\n    pass\n\nclass Later:\n    pass\n"
    names = {d.name for d in definitions("python", text)}
    assert {"good", "Later"} <= names


def test_enclosing_scope_is_innermost_and_in_characters():
    text = "# é ü\nclass Foo:\n    def bar(self):\n        return 1\n\nx = 2\n"
    start, end, kind = enclosing_scope("python", text, text.index("return"))
    assert kind == "method" or kind == "function"
    assert text[start:end].startswith("def bar") and text[start:end].rstrip().endswith("return 1")
    start, end, kind = enclosing_scope("python", text, text.index("class Foo") + 3)
    assert kind == "class" and text[start:end].startswith("class Foo")
    assert enclosing_scope("python", text, text.index("x = 2")) is None


@pytest.mark.parametrize("language", ["go", "rust", "java", "c", "cpp", "typescript", "javascript"])
def test_enclosing_scope_in_brace_languages(language):
    text = SOURCES[language]
    marker = {"go": "return 0", "rust": "P { x: 0 }", "java": "return f", "c": "return a",
              "cpp": "return 1", "typescript": "return 1", "javascript": "return n"}[language]
    start, end, kind = enclosing_scope(language, text, text.index(marker))
    assert start < text.index(marker) < end and kind in {"function", "method"}


def test_deep_nesting_does_not_overflow():
    depth = 3000
    text = "x = " + "[" * depth + "]" * depth + "\n" + "def f(:\n" + "(" * depth + "\n"
    assert error_count("python", text) > 0
    assert [d.name for d in definitions("python", "def ok():\n    pass\n" + text)][:1] == ["ok"]


def test_unsupported_language_raises_value_error():
    with pytest.raises(ValueError):
        error_count("cobol", "IDENTIFICATION DIVISION.")


def imports_of(language, text):
    spec = language_for(language)
    source = encode(text)
    return extract_imports(spec, source, spec.parse(source).root_node)


@pytest.mark.parametrize(
    "language, text, expected",
    [
        ("python", "import numpy as np\nfrom .models import User as U, Group\nfrom a import *\n",
         [("np", "numpy", ""), ("U", ".models", "User"), ("Group", ".models", "Group"), ("", "a", WILDCARD)]),
        ("typescript", 'import { A, B as C } from "./a";\nimport * as ns from "../b";\nimport D from "./d";\n',
         [("A", "./a", "A"), ("C", "./a", "B"), ("ns", "../b", ""), ("D", "./d", "default")]),
        ("javascript", 'const { a } = require("./lib");\n', [("a", "./lib", "a")]),
        ("go", 'package x\nimport (\n f "fmt"\n "example.com/m/util"\n)\n',
         [("f", "fmt", ""), ("util", "example.com/m/util", "")]),
        ("rust", "use crate::a::{b, c as d, g::*};\n",
         [("b", "crate::a", "b"), ("d", "crate::a", "c"), ("", "crate::a::g", WILDCARD)]),
        ("java", "package a.b;\nimport a.c.D;\nimport a.e.*;\n", [("D", "a.c", "D"), ("", "a.e", WILDCARD)]),
        ("c", '#include "util.h"\n#include <stdio.h>\n', [("", "util.h", WILDCARD), ("", "<stdio.h>", WILDCARD)]),
    ],
)
def test_imports_per_language(language, text, expected):
    found = [(r.local, r.source, r.name) for r in imports_of(language, text)]
    for item in expected:
        assert item in found, (item, found)
    assert all(isinstance(r, ImportRecord) and r.line >= 1 for r in imports_of(language, text))
