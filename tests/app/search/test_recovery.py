"""A missing, stale or corrupt index is rebuilt from the database; searches never fail."""

from __future__ import annotations

import json
import shutil
import threading

import pytest

from app.library import Library
from app.search.index import STAMP
from tests.app.search.conftest import found
from tests.bench.synth import AS_OF, page_text


@pytest.fixture
def lib(library) -> Library:
    library.import_text(page_text(60, seed=11), as_of=AS_OF)
    library.set_note(1, "okapi")
    library.index.sync()  # what the CLI and the window do after their writes
    return library


def _reopen(lib: Library) -> Library:
    path = lib.path
    lib.close()
    return Library.open(path)


def _all(lib: Library) -> set[int]:
    return found(lib, "is:unread OR is:read")


def _damage(lib: Library, how: str) -> None:
    folder = lib.path / "index"
    if how == "missing":
        shutil.rmtree(folder)
    elif how == "stamp behind":
        stamp = json.loads((folder / STAMP).read_text())
        (folder / STAMP).write_text(json.dumps({**stamp, "seq": 0}))
    elif how == "stamp ahead":
        stamp = json.loads((folder / STAMP).read_text())
        (folder / STAMP).write_text(json.dumps({**stamp, "seq": stamp["seq"] + 1000}))
    elif how == "other schema":
        stamp = json.loads((folder / STAMP).read_text())
        (folder / STAMP).write_text(json.dumps({**stamp, "schema": 999}))
    elif how == "garbage stamp":
        (folder / STAMP).write_text("{not json")
    elif how == "corrupt toc":
        for toc in folder.glob("*.toc"):
            toc.write_bytes(b"\x00garbage" * 10)
    elif how == "corrupt segments":
        for f in folder.iterdir():
            if f.suffix in (".trm", ".pst"):
                f.write_bytes(b"\xff" * 64)
    elif how == "empty folder":
        shutil.rmtree(folder)
        folder.mkdir()


@pytest.mark.parametrize(
    "how",
    [
        "missing",
        "stamp behind",
        "stamp ahead",
        "other schema",
        "garbage stamp",
        "corrupt toc",
        "corrupt segments",
        "empty folder",
    ],
)
def test_damaged_index_is_rebuilt_on_next_search(lib, how):
    want = _all(lib)
    assert len(want) == 60
    lib = _reopen(lib)
    try:
        _damage(lib, how)
        assert _all(lib) == want
        assert found(lib, "okapi") == {1}
        stamp = lib.index.stamp()
        assert stamp["seq"] == lib.last_change()
    finally:
        lib.close()


def test_index_lost_while_library_is_open_is_rebuilt_on_next_change(lib):
    want = _all(lib)
    shutil.rmtree(lib.path / "index")
    lib.set_note(2, "tapir")  # the commit finds the index gone and rebuilds it
    assert found(lib, "tapir") == {2}
    assert _all(lib) == want


def test_as_you_type_builds_a_missing_index_in_the_background(lib):
    want = _all(lib)
    lib = _reopen(lib)
    try:
        shutil.rmtree(lib.path / "index")
        first = lib.search("okapi", as_you_type=True)
        assert first.indexing and "being built" in first.note
        lib.index.wait()
        again = lib.search("okapi", as_you_type=True)
        assert not again.indexing and set(again.ids) == {1}
        assert _all(lib) == want
    finally:
        lib.close()


def test_reindex_reports_progress_and_old_index_answers_meanwhile(lib):
    seen: list[tuple[int, int]] = []
    during: list = []

    def progress(done: int, total: int) -> None:
        seen.append((done, total))
        if len(seen) == 1:
            # A window's worker thread searching while the rebuild runs.
            t = threading.Thread(
                target=lambda: during.append(lib.search("okapi", as_you_type=True))
            )
            t.start()
            t.join()

    lib.reindex(progress)
    assert seen[-1] == (60, 60)
    (meanwhile,) = during
    assert meanwhile.indexing and set(meanwhile.ids) == {1}  # answered from the old index
    assert found(lib, "okapi") == {1}
    assert not any(p.name.startswith("index.") and p.is_dir() for p in lib.path.iterdir())


def test_check_reports_and_repairs_the_index(lib):
    from app.maintenance import check

    assert check(lib).ok
    # Missing (e.g. a crash during an import) heals itself: a fact, not a problem.
    (lib.path / "index.building-1-abc").mkdir()
    shutil.rmtree(lib.path / "index")
    report = check(lib)
    assert report.ok
    assert any("search index: missing" in f for f in report.facts)
    assert any("leftover of an interrupted index rebuild" in f for f in report.facts)
    fixed = check(lib, repair=True)
    assert fixed.ok and fixed.repaired  # the rebuild also clears the leftover
    assert not (lib.path / "index.building-1-abc").exists()
    assert found(lib, "okapi") == {1}
    # A stamp from another schema version is a problem until repaired.
    _damage(lib, "other schema")
    assert not check(lib).ok
    assert check(lib, repair=True).ok and check(lib).ok


def test_bulk_rebuild_and_catch_up_in_worker_processes(lib, monkeypatch):
    """The path a 100,000-paper rebuild takes (worker processes, several segments)."""
    import app.search.index

    want = _all(lib)
    monkeypatch.setattr(app.search.index, "BULK_MIN", 20)
    lib.reindex()
    assert _all(lib) == want and found(lib, "okapi") == {1}
    # A large catch-up (many changed papers at once) takes the same path, with deletions.
    lib.set_read(sorted(want)[:40])
    assert found(lib, "is:read") == set(sorted(want)[:40])
    assert _all(lib) == want
    lib.delete_papers(sorted(want)[:30])
    assert _all(lib) == want - set(sorted(want)[:30])
