"""Usage counts: how often the code around writes each name after the cursor's key."""

from __future__ import annotations

import dataclasses
import time
from types import SimpleNamespace

from context.usage import MAX_FILES, MAX_HITS, UsageCounts, cursor_key, usage_key, usage_texts


def test_the_key_is_the_last_word_and_the_punctuation_after_it():
    assert cursor_key("x = 1\n        self.writer: ") == "writer:"
    assert cursor_key("\tlogger := Ne") == "logger:="  # the typed part of the name is cut off
    assert cursor_key("    return ") == "return"
    assert cursor_key("if (") == "if("
    assert cursor_key("x = foo) + ") == "+"
    assert cursor_key("    ") == "" and cursor_key("") == ""  # an indent alone says nothing
    assert usage_key("a" * 10_000 + " := ") == "a" * 76 + ":="  # bounded: the last 80 characters


def test_counts_are_what_the_cursors_key_would_be_at_each_occurrence():
    texts = ["self.writer: AsyncWriter = make()\nw.writer:Writer\nmywriter: Writer\n  writer :  AsyncWriter\n"
             "# writer: AsyncWriter in a comment counts too\n"]
    counts = UsageCounts().counts("writer:", ["AsyncWriter", "Writer", "Reader"], texts)
    assert counts == {"AsyncWriter": 3, "Writer": 1}  # `mywriter:` is another key; unseen names are left out
    assert UsageCounts().counts("(", ["a", "b"], ["f(a) = (b) ((a) x (  b"]) == {"b": 1}
    assert UsageCounts().counts("", ["a"], ["a a a"]) == {}


def test_counts_sum_over_texts_and_are_kept_per_key_and_text():
    usage = UsageCounts(entries=2)
    texts = ["token.FLOAT\ntoken.Type\n", "x := token.FLOAT\n"]
    assert usage.counts("token.", ["FLOAT", "Type"], texts) == {"FLOAT": 2, "Type": 1}
    assert usage.counts("token.", ["Type"], texts) == {"Type": 1}
    assert len(usage._cache) == 2
    usage.counts("x:=", ["token"], texts)
    assert len(usage._cache) == 2  # bounded: least recently used out


def test_hostile_text_costs_little():
    usage = UsageCounts()
    hostile = ["self. " * 200_000, "(" * 500_000 + "a", "\u0661\u0662 \U0001f600 ´ x" * 50_000]
    started = time.perf_counter()
    for key in ("self.", "(", "x"):
        usage.counts(key, ["a", "x", "self"], hostile)
    assert time.perf_counter() - started < 5  # a generous bound: linear scans, no backtracking blow-up
    assert usage.counts("self.", ["self"], hostile) == {"self": MAX_HITS}  # hits read per text are capped


def test_usage_texts_are_the_document_snippet_files_and_its_folder(make_index, tmp_path):
    root = tmp_path / "ws"
    (root / "pkg").mkdir(parents=True)
    (root / "pkg" / "a.go").write_text("package pkg\nvar w = New()\n")
    (root / "pkg" / "b.go").write_text("package pkg\nfunc New() int { return 1 }\n")
    (root / "pkg" / "notes.txt").write_text("New New New\n")
    (root / "lib.go").write_text("package main\nfunc Lib() {}\n")
    (root / "token_store.go").write_text("package main\nvar logger = New()\n")
    index = make_index(root, secret_files=("token_*.go",))
    snippets = [SimpleNamespace(file="lib.go"), SimpleNamespace(file="token_store.go")]
    texts = usage_texts(index, str(root / "pkg" / "a.go"), "package pkg\nlogger := ", snippets)
    assert texts[0] == "package pkg\nlogger := "  # the document as the editor holds it, not the disk's
    assert sorted(texts[1:]) == sorted([(root / "lib.go").read_text(), (root / "pkg" / "b.go").read_text()])
    assert usage_texts(index, str(tmp_path / "elsewhere.go"), "doc", snippets) == ["doc"]
    many = [SimpleNamespace(file="lib.go")] * 100
    assert len(usage_texts(index, str(root / "pkg" / "a.go"), "", many)) <= MAX_FILES + 1


def test_followers_are_every_name_after_the_key():
    texts = ["if err = uniqueVars(a); err != nil {\nerr = uniqueVars(b)\nerr = nil\n", "err = check()\n"]
    assert UsageCounts().followers("err=", texts) == {"uniqueVars": 2, "nil": 1, "check": 1}
    assert UsageCounts().followers("", texts) == {}


def test_the_pipeline_counts_the_offered_names_and_all_names_after_the_key(make_index, tmp_path):
    from lsp_server.assist.pipeline import CompletionPipeline, TextSnapshot
    from lsp_server.model.types import CompletionRequest

    root = tmp_path / "ws"
    root.mkdir()
    (root / "b.go").write_text("package mux\nfunc f() {\n\terr = check()\n\terr = nil\n\terr = uniqueVars(x)\n}\n")
    index = make_index(root)
    document = "package mux\nfunc g() {\n\tif err = uniqueVars(a); err != nil {\n\t}\n\tif err = "
    snapshot = TextSnapshot("file:///ws/a.go", str(root / "a.go"), "go", 1, document, len(document))
    request = CompletionRequest(prefix=document, suffix="", names=("regexp", "check", "uniqueVars"))
    pipeline = CompletionPipeline()
    assert pipeline.name_usage(index, snapshot, request) == ((("check", 1), ("uniqueVars", 2)), 4)
    assert pipeline.name_usage(index, snapshot, dataclasses.replace(request, prefix=None)) == ((), 0)  # a failure
