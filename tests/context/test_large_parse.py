"""Large sources are parsed in chunks so other threads run meanwhile; the tree must be the one a
whole-bytes parse gives, and a thread parsing must let another thread run Python code."""

from __future__ import annotations

import gc
import threading
import tracemalloc

import tree_sitter

from context.languages import language_for

SOURCE = ("def f(x):\n    return x  # é 中 😀\n" * 20_000).encode()  # ~700 KB, well past one chunk


def test_a_large_source_parses_to_the_same_tree_as_a_whole_parse():
    spec = language_for("python")
    chunked = spec.parse(SOURCE)
    whole = tree_sitter.Parser(spec.language).parse(SOURCE)
    assert str(chunked.root_node) == str(whole.root_node)
    assert chunked.root_node.end_byte == len(SOURCE)
    assert chunked.root_node.text == SOURCE


def test_another_thread_runs_while_a_large_source_is_parsed():
    spec = language_for("rust")  # Python text is slow to parse as Rust: error recovery everywhere
    parsing, done, ran_meanwhile = threading.Event(), threading.Event(), []

    def parse() -> None:
        parsing.set()
        spec.parse(SOURCE)
        done.set()

    thread = threading.Thread(target=parse)
    thread.start()
    parsing.wait()
    while not done.is_set() and len(ran_meanwhile) < 3:
        ran_meanwhile.append(done.wait(0.001) or done.is_set())
    thread.join()
    assert ran_meanwhile[:3] == [False, False, False]  # the waiting thread got the GIL during the parse


def test_large_parses_leak_nothing():
    """py-tree-sitter 0.26 keeps a reference to each chunk a read callback returns: fresh bytes per
    chunk leaked ~1.5x the source per parse (the fuzz's RSS grew by ~1 GB over 10,000 cases)."""
    spec = language_for("python")
    spec.parse(SOURCE)  # the thread's parser and chunk buffer exist before measuring
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for _ in range(5):
            spec.parse(SOURCE)
        gc.collect()
        grown = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert grown < 64 * 1024, f"{grown} bytes kept after 5 parses of {len(SOURCE)} bytes"
