"""The workspace index: what it walks, its cache, and staying current (documents, changes, watchdog)."""

from __future__ import annotations

import os
import time

from context.index import RepositoryIndex
from tests.context.conftest import LANGUAGE_WORKSPACES, WORKSPACES, eventually


def test_indexes_all_eight_languages(make_index):
    index = make_index(WORKSPACES)
    languages = {entry.language for entry in index.table.entries()}
    assert languages >= {"python", "javascript", "typescript", "tsx", "go", "rust", "java", "c", "cpp"}
    stats = index.stats()
    assert stats["ready"] and stats["files"] == len(index.table) and stats["definitions"] > 50
    for name in LANGUAGE_WORKSPACES:
        assert any(rel.startswith(name + "/") for rel in index.table.paths())
    assert [rel for rel, _ in index.table.definitions_named("apply_discount")] == ["python/shop/services/pricing.py"]


def test_gitignore_exclude_setting_and_vendored_folders(make_index, tmp_path):
    root = tmp_path / "repo"
    files = ["keep.py", "ignored.py", "logs/x.py", "sub/deep.py", "sub/gen_a.py", "sub/gen_keep.py",
             "node_modules/lib/index.js", ".git/hooks/h.py", "target/debug/x.rs", "build/out.py",
             "env/lib/site.py", "drafts/wip.py", "src/main.rs"]
    for rel in files:
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text("def f():\n    pass\n" if rel.endswith(".py") else "function f() {}\n")
    (root / "env/pyvenv.cfg").write_text("home = /usr\n")
    (root / ".gitignore").write_text("ignored.py\nlogs/\n")
    (root / "sub/.gitignore").write_text("gen_*.py\n!gen_keep.py\n")
    index = make_index(root, exclude=("drafts/",))
    assert sorted(index.table.paths()) == ["keep.py", "src/main.rs", "sub/deep.py", "sub/gen_keep.py"]


def test_warm_restart_reparses_only_what_changed(make_index, workspace, tmp_path):
    cache = str(tmp_path / "cache")
    first = make_index(workspace, cache_dir=cache)
    total = first.stats()["files"]
    assert first.stats()["parsed"] == total
    first.stop()
    second = make_index(workspace, cache_dir=cache)
    assert (second.stats()["parsed"], second.stats()["from_cache"]) == (0, total)
    second.stop()
    pricing = workspace / "python/shop/services/pricing.py"
    pricing.write_text(pricing.read_text() + "\n\ndef refund(amount):\n    return -amount\n")
    copy = workspace / "python/shop/services/pricing_copy.py"
    copy.write_text((workspace / "python/shop/models/cart.py").read_text())  # known content: no parse
    third = make_index(workspace, cache_dir=cache)
    assert third.stats()["parsed"] == 1 and third.stats()["files"] == total + 1
    assert [rel for rel, _ in third.table.definitions_named("refund")] == ["python/shop/services/pricing.py"]


def test_corrupt_cache_is_ignored(make_index, workspace, tmp_path):
    cache = str(tmp_path / "cache")
    make_index(workspace, cache_dir=cache).stop()
    index_file = RepositoryIndex(str(workspace), cache_dir=cache).stats()["cache_file"]
    with open(index_file, "wb") as handle:
        handle.write(b"\x00garbage")
    again = make_index(workspace, cache_dir=cache)
    assert again.stats()["files"] > 0 and again.stats()["parsed"] == again.stats()["files"]


def test_default_cache_dir_is_under_xdg_cache_home(isolated_home, workspace):
    index = RepositoryIndex(str(workspace))
    assert index.stats()["cache_file"].startswith(os.path.join(os.environ["XDG_CACHE_HOME"], "coder-lsp"))


def test_documents_override_disk_and_forgetting_restores_it(make_index, workspace):
    index = make_index(workspace / "python")
    path = str(workspace / "python/shop/services/pricing.py")
    index.set_document(path, "def only_in_editor(x):\n    return x\n")
    assert index.text("shop/services/pricing.py").startswith("def only_in_editor")  # at once
    assert eventually(lambda: index.table.definitions_named("only_in_editor"))
    assert not index.table.definitions_named("apply_discount")
    index.forget_document(path)
    assert eventually(lambda: index.table.definitions_named("apply_discount"))
    assert not index.table.definitions_named("only_in_editor")
    assert index.recent_files()[0] == "shop/services/pricing.py"


def test_typing_in_an_open_document_is_indexed_when_the_edits_pause(make_index, workspace):
    index = make_index(workspace / "python")
    path = str(workspace / "python/shop/services/pricing.py")
    index.set_document(path, "def opened(x):\n    return x\n")
    assert eventually(lambda: index.table.definitions_named("opened"))  # opening indexes at once
    parsed = index.stats()["parsed"]
    text = "def opened(x):\n    return x\n\n\ndef typed_"
    for letter in "abcdefghijklmnop":  # sixteen keystrokes, faster than the quiet period
        text += letter
        index.set_document(path, text + "(y):\n    return y\n")
    assert eventually(lambda: index.table.definitions_named("typed_abcdefghijklmnop"))
    assert index.stats()["parsed"] - parsed <= 2  # not one parse a keystroke


def test_edit_schedule_waits_for_a_pause_but_not_forever():
    from context.schedule import EditSchedule

    now = [0.0]
    schedule = EditSchedule(quiet_s=0.3, max_delay_s=1.0, clock=lambda: now[0])
    assert schedule.wait_s() is None and schedule.take_due() == []
    schedule.edited("a.py")
    assert schedule.wait_s() == 0.3
    for _ in range(4):  # a keystroke every 0.2 s keeps it pending...
        now[0] += 0.2
        assert schedule.take_due() == []
        schedule.edited("a.py")
    assert abs(schedule.wait_s() - 0.2) < 1e-9  # ...until a second after the first edit, not 0.3 s after the last
    now[0] += 0.2
    assert schedule.take_due() == ["a.py"]
    schedule.edited("b.py")
    schedule.forget("b.py")
    now[0] += 5
    assert schedule.take_due() == [] and schedule.wait_s() is None


def test_file_changed_adds_updates_and_removes(make_index, workspace):
    index = make_index(workspace / "go")
    new = workspace / "go/internal/store/extra.go"
    new.write_text("package store\n\nfunc Extra() int { return 1 }\n")
    index.file_changed(str(new))
    assert eventually(lambda: index.table.definitions_named("Extra"))
    new.write_text("package store\n\nfunc Renamed() int { return 1 }\n")
    index.file_changed("internal/store/extra.go")  # root-relative works too
    assert eventually(lambda: index.table.definitions_named("Renamed"))
    new.unlink()
    index.file_changed(str(new))
    assert eventually(lambda: not index.table.has("internal/store/extra.go"))


def test_watchdog_sees_outside_changes(make_index, workspace):
    index = make_index(workspace / "rust", watch=True)
    assert eventually(lambda: index.stats()["watching"])
    time.sleep(0.2)  # let the observer's inotify watches settle before writing
    target = workspace / "rust/src/geometry/shape.rs"
    target.write_text("pub fn perimeter() -> f64 { 0.0 }\n")
    assert eventually(lambda: index.table.definitions_named("perimeter"))
    os.rename(workspace / "rust/src/geometry", workspace / "rust/src/geo")
    assert eventually(lambda: index.table.has("src/geo/shape.rs") and not index.table.has("src/geometry/shape.rs"))


def test_paths_outside_the_root_are_ignored(make_index, workspace, tmp_path):
    index = make_index(workspace / "c")
    outside = tmp_path / "elsewhere.c"
    outside.write_text("int outside(void) { return 0; }\n")
    index.set_document(str(outside), outside.read_text())
    index.file_changed(str(outside))
    time.sleep(0.1)
    assert not index.table.definitions_named("outside")
    assert index.relative("file://" + str(workspace / "c/src/main.c")) == "src/main.c"


def test_opening_a_document_warms_retrieval_for_its_imports(make_index, workspace):
    from context import lookup as lookup_module

    index = make_index(workspace / "python")
    path = workspace / "python/shop/services/checkout.py"
    lookup_module._LOOKUPS.clear()
    index.set_document(str(path), path.read_text() + "\n# edited\n")
    assert eventually(lambda: any(key[0] == "shop/services/pricing.py" for key in list(lookup_module._LOOKUPS)))


def test_a_closed_documents_text_leaves_the_retrieval_caches(make_index, workspace):
    """The fuzz's closed documents (untitled, never on disk) filled the split-lines and similar-code
    caches to their 16M characters: ~100 MB of texts no one could ask for again."""
    from context import retrieval, similar

    index = make_index(workspace / "python")
    path = str(workspace / "python/scratch_never_saved.py")
    text = "def only_in_editor(x):\n    return x\n" * 2000
    index.set_document(path, text)
    rel = "scratch_never_saved.py"
    assert retrieval._lines(index, rel) is not None and similar.WINDOWS.windows(rel, text)
    assert any(key[0] == rel for key in retrieval._LINES) and any(key[0] == rel for key in similar.WINDOWS._items)
    index.forget_document(path)
    assert not any(key[0] == rel for key in retrieval._LINES)
    assert not any(key[0] == rel for key in similar.WINDOWS._items)
