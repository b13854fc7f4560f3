"""Issue 16, item 11: a full disk during an index update, on a real small tmpfs.

The change commits to the database; the index update then fails for want of space. It
must leave nothing behind (no orphan segment, no ``MAIN.tmp``, no stamp temp file),
searches answer from the last good index and say so, ``check`` reports the lag, and once
space returns the next search catches up."""

from __future__ import annotations

import errno
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from app.library import Library
from app.maintenance import check
from tests.app.search.conftest import found
from tests.bench.synth import AS_OF, page_text
from tests.conftest import require


@pytest.fixture
def tmpfs(tmp_path):
    mount = tmp_path / "small"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mount)],
        capture_output=True,
        text=True,
    )
    require("a tmpfs mount (root)", done.returncode == 0, done.stderr.strip() or "mount")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def _fill(folder: Path) -> Path:
    """Take every free byte of the file system (the filler file is returned)."""
    filler = folder / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        for size in (65536, 4096, 512, 1):
            try:
                while os.write(fd, b"\0" * size):
                    pass
            except OSError as exc:
                assert exc.errno == errno.ENOSPC
    finally:
        os.close(fd)
    st = os.statvfs(folder)
    assert st.f_bavail * st.f_frsize < 65536
    return filler


def _listing(lib: Library) -> set[str]:
    return {p.name for p in lib.index.folder.iterdir()} | {
        p.name for p in lib.path.iterdir() if p.name.startswith("index.")
    }


def _orphans(lib: Library) -> set[str]:
    """Files in the index folder that its current TOC does not account for."""
    from whoosh import index as whoosh_index

    from app.search.whoosh.schema import INDEX_NAME

    ix = whoosh_index.open_dir(str(lib.index.folder), indexname=INDEX_NAME)
    try:
        live = {seg.segment_id() for seg in ix._segments()}
        toc = f"_{INDEX_NAME}_{ix.latest_generation()}.toc"
    finally:
        ix.close()
    ours = {toc, f"{INDEX_NAME}_WRITELOCK", "paperdesk-stamp.json"}
    return {
        p.name
        for p in lib.index.folder.iterdir()
        if p.name not in ours and p.name.split(".")[0] not in live
    } | {p.name for p in lib.path.iterdir() if p.name.startswith(("index.building", "index.old"))}


def test_a_full_disk_during_an_index_update_leaves_nothing_and_heals(tmpfs):
    lib = Library.open(tmpfs / "lib")
    try:
        lib.import_text(page_text(40, seed=5), as_of=AS_OF)
        lib.set_note(1, "okapi")
        lib.index.sync()
        before = _listing(lib)
        stamp = lib.index.stamp()
        # The changes commit ...
        lib.set_note(2, "capybara " * 20_000)  # a big document: its update needs real space
        lib.set_note(3, "tapir")
        filler = _fill(tmpfs)
        # ... then every index update fails for want of space.
        assert not lib.index.try_sync()
        assert lib.index.failure and "No space" in lib.index.failure, lib.index.failure
        assert not _orphans(lib)  # no orphan segment, no MAIN.tmp, no stamp.tmp
        assert _listing(lib) == before  # the update failed before its commit
        assert lib.index.stamp() == stamp
        # Search answers from the last good index, and says it is behind.
        result = lib.search("okapi")
        assert result.ids == [1]
        assert result.note and "behind" in result.note and "could not be updated" in result.note
        assert not _orphans(lib) and _listing(lib) == before  # nor did the search's attempt
        report = check(lib)
        assert any("change(s) behind" in f for f in report.facts), report.facts
        assert any("last update failed" in f for f in report.facts), report.facts
        # Space returns: the next search catches up.
        filler.unlink()
        assert found(lib, "tapir") == {3}
        assert found(lib, "capybara") == {2}
        assert lib.index.stamp()["seq"] == lib.last_change()
        assert check(lib).ok
    finally:
        lib.close()
        shutil.rmtree(tmpfs / "lib", ignore_errors=True)
