"""Bad input: the index skips or degrades with a reason, and retrieval still answers."""

from __future__ import annotations

import os

import pytest

from context import index_worker as index_module  # where the crawl reads files
from context.retrieval import retrieve


def write(root, rel, data):
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data if isinstance(data, bytes) else data.encode())
    return path


@pytest.fixture
def messy(tmp_path):
    root = tmp_path / "messy"
    write(root, "good.py", "def good(x):\n    return x\n")
    write(root, "broken.py", "def broken(a:\n    return a\n\nclass StillHere:\n    pass\n")
    write(root, "latin1.py", b"# caf\xe9\ndef latin_name():\n    return '\xff\xfe'\n")
    write(root, "huge.min.js", b"var a=1;" * (10 * 1024 * 1024 // 8))  # 10 MB on one line
    write(root, "dense.js", ("var x" + "=1,y" * 60_000 + ";\n").encode())  # 240 KB minified line
    write(root, "binary.py", b"\x00\x01\x02def nope(): pass\n" * 100)
    write(root, "deep.py", "x = " + "[\n" * 5000 + "]" * 5000 + "\ndef after_deep():\n    pass\n")
    nested = root
    for level in range(60):
        nested = nested / f"d{level}"
    write(nested, "bottom.py", "def bottom():\n    pass\n")
    os.symlink(root, root / "loop")  # directory symlink loop
    os.symlink(root / "a_link.py", root / "b_link.py")
    os.symlink(root / "b_link.py", root / "a_link.py")  # file symlink loop
    os.symlink(root / "missing.py", root / "dangling.py")
    os.mkfifo(root / "pipe.py")  # reading it would block forever
    secret = write(root, "secret.py", "def secret():\n    pass\n")
    secret.chmod(0)
    return root


def test_the_index_skips_bad_files_with_reasons(make_index, messy):
    index = make_index(messy)
    names = lambda n: [rel for rel, _ in index.table.definitions_named(n)]  # noqa: E731
    assert names("good") == ["good.py"]
    assert names("StillHere") == ["broken.py"]  # syntax errors: tree-sitter recovers
    assert names("latin_name") == ["latin1.py"]  # invalid UTF-8: indexed with replacement
    assert names("after_deep") == ["deep.py"]
    assert names("bottom") == ["/".join(f"d{i}" for i in range(60)) + "/bottom.py"]
    skipped = index.stats()["skipped"]
    assert skipped.get("too large") == 1 and skipped.get("binary") == 1 and skipped.get("minified") == 1
    assert not any(rel.startswith("loop/") for rel in index.table.paths())
    assert index.skipped_paths["huge.min.js"] == "too large"
    if os.geteuid() != 0:  # root reads anything
        assert index.skipped_paths["secret.py"].startswith("unreadable")


def test_retrieval_works_from_a_broken_file(make_index, messy):
    index = make_index(messy)
    text = "from good import good\nfrom broken import StillHere\n\ndef use(:\n    good(StillHere()"
    snippets = retrieve(index, "user.py", text, len(text) - 12, 512)
    assert {s.file for s in snippets} == {"good.py", "broken.py"}


def test_files_deleted_while_indexing_are_skipped(make_index, tmp_path, monkeypatch):
    root = tmp_path / "vanishing"
    for i in range(5):
        write(root, f"m{i}.py", f"def f{i}():\n    pass\n")
    real_read = index_module.read_source

    def read_after_delete(path, max_bytes, *root):  # the file disappears between the walk and the read
        if path.endswith("m2.py"):
            os.unlink(path)
        return real_read(path, max_bytes, *root)

    monkeypatch.setattr(index_module, "read_source", read_after_delete)
    index = make_index(root)
    assert sorted(index.table.paths()) == ["m0.py", "m1.py", "m3.py", "m4.py"]
    assert index.stats()["skipped"] == {"deleted": 1}


def test_the_file_limit_bounds_the_index(make_index, tmp_path):
    root = tmp_path / "many"
    for i in range(30):
        write(root, f"pkg/m{i:02}.py", f"def f{i}():\n    pass\n")
    index = make_index(root, max_files=10)
    assert len(index.table) == 10 and index.stats()["skipped"]["over the file limit"] == 20


def test_documents_too_large_are_not_parsed(make_index, tmp_path):
    root = tmp_path / "small"
    write(root, "a.py", "def a():\n    pass\n")
    index = make_index(root, max_file_bytes=1000)
    index.set_document(str(root / "a.py"), "def a():\n    pass\n" + "#" * 5000)
    index.set_document(str(root / "b.py"), "def b():\n    pass\n")
    from tests.context.conftest import eventually

    assert eventually(lambda: index.table.definitions_named("b"))
    assert index.stats()["skipped"].get("too large") == 1
