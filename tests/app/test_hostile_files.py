"""Hostile surroundings (issue 16): folders that are not libraries, emptied databases,
symbolic links planted in the library folder, export destinations that are not files,
titles without words, a nearly full disk — done for real (tmpfs, FIFOs, links)."""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from app.errors import LibraryError
from app.export.atomic import ExportError, atomic_write
from app.library import Library
from app.locking import WindowLock
from tests.app.test_hostile_cli import err_line, run
from tests.conftest import require


@pytest.fixture
def lib(tmp_path, seeded_template) -> Path:
    path = tmp_path / "lib"
    shutil.copytree(seeded_template, path)
    return path


# -- item 4: maintenance on a folder that is not a library ---------------------------------


def test_check_repair_refuses_a_folder_that_is_not_a_library(tmp_path):
    downloads = tmp_path / "Downloads"
    downloads.mkdir()
    mine = [downloads / "film.mkv.part", downloads / "notes.tmp", downloads / "paper.pdf"]
    for f in mine:
        f.write_text("the user's", encoding="utf-8")
    for args in (("check", "--repair"), ("check",), ("backup",), ("reindex",)):
        proc = run(downloads, *args)
        line = err_line(proc)
        assert proc.returncode == 2 and "not a Paperdesk library" in line
    assert sorted(downloads.iterdir()) == sorted(mine)  # nothing made, nothing removed


def test_repair_removes_only_our_own_leftovers(lib):
    ours = [
        lib / "backups" / "library-20250101-120000-000001-daily.sqlite.part",
        lib / "backups" / "pre-migration-20250101-120000.sqlite.part",
        lib / "index" / "paperdesk-stamp.json.tmp",
    ]
    theirs = [lib / "draft.part", lib / "backups" / "copy.tmp", lib / "mine.sqlite.part"]
    for sub in ("backups", "index"):
        (lib / sub).mkdir(exist_ok=True)
    for f in ours + theirs:
        f.write_text("x", encoding="utf-8")
    proc = run(lib, "check", "--repair")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert not any(f.exists() for f in ours)
    assert all(f.exists() for f in theirs)


# -- item 5: an emptied or replaced database -----------------------------------------------


@pytest.mark.parametrize("damage", ["emptied", "replaced", "deleted"])
def test_emptied_database_is_refused_pointing_at_backups(lib, damage):
    db = lib / "library.sqlite"
    assert run(lib, "backup").returncode == 0
    for side in ("library.sqlite-wal", "library.sqlite-shm"):
        (lib / side).unlink(missing_ok=True)
    if damage == "emptied":
        db.write_bytes(b"")
    elif damage == "replaced":
        db.unlink()
        sqlite3.connect(db).execute("CREATE TABLE other (x)").connection.close()
    else:
        db.unlink()
    for args in (("list",), ("check", "--repair")):
        proc = run(lib, *args)
        line = err_line(proc)
        assert proc.returncode == 2, line
        assert "restore a copy from" in line and str(lib / "backups") in line
    backups = sorted((lib / "backups").glob("library-*.sqlite"))
    assert backups and sqlite3.connect(backups[-1]).execute(
        "SELECT count(*) FROM papers"
    ).fetchone() == (323,)


def test_a_new_folder_still_becomes_a_library(tmp_path):
    # A writing command makes a library of a new folder (a reading one refuses: DESIGN.md).
    seed = Path(__file__).parents[2] / "resources" / "samples" / "003_f50d1a38d8fb6fdb.txt"
    proc = run(tmp_path / "fresh", "import", str(seed))
    assert proc.returncode == 0 and (tmp_path / "fresh" / "library.sqlite").exists()


# -- item 21: symbolic links in the library folder -----------------------------------------


def test_window_lock_never_follows_a_symlink(lib, tmp_path):
    victim = tmp_path / "victim"
    victim.write_text("precious", encoding="utf-8")
    (lib / "window.lock").symlink_to(victim)
    with pytest.raises(LibraryError, match="symbolic link"):
        WindowLock(lib).acquire()
    assert victim.read_text(encoding="utf-8") == "precious"


@pytest.mark.parametrize(
    "name", ["library.sqlite-wal", "library.sqlite-shm", "index.lock", "window.lock"]
)
def test_planted_links_to_our_own_files_are_refused(lib, tmp_path, name):
    victim = tmp_path / "victim"
    victim.write_text("precious", encoding="utf-8")
    for side in ("library.sqlite-wal", "library.sqlite-shm"):
        (lib / side).unlink(missing_ok=True)
    (lib / name).unlink(missing_ok=True)  # an indexed library has its index.lock already
    (lib / name).symlink_to(victim)
    for args in (("star", "1"), ("search", "memory"), ("check", "--repair")):
        proc = run(lib, *args)
        line = err_line(proc)
        assert proc.returncode == 2 and f"{name}: is a symbolic link" in line
    assert victim.read_text(encoding="utf-8") == "precious"


def test_window_lock_refuses_a_fifo(lib):
    os.mkfifo(lib / "window.lock")
    with pytest.raises(LibraryError, match="not a regular file"):
        WindowLock(lib).acquire()


def test_index_symlink_is_refused_not_replaced(lib, tmp_path):
    assert run(lib, "reindex").returncode == 0
    elsewhere = tmp_path / "elsewhere"
    shutil.move(lib / "index", elsewhere)
    (lib / "index").symlink_to(elsewhere)
    before = sorted(p.name for p in elsewhere.iterdir())
    for args in (("search", "memory"), ("check", "--repair"), ("reindex",)):
        proc = run(lib, *args)
        line = err_line(proc)
        assert proc.returncode == 2 and "index: is a symbolic link" in line
    assert (lib / "index").is_symlink()
    assert sorted(p.name for p in elsewhere.iterdir()) == before


def test_backup_part_file_is_never_written_through_a_link(lib, tmp_path):
    from db.engine import backup_to

    victim = tmp_path / "victim"
    victim.write_text("precious", encoding="utf-8")
    target = lib / "backups" / "library-x.sqlite"
    target.parent.mkdir(exist_ok=True)
    target.with_name(target.name + ".part").symlink_to(victim)
    with Library.open(lib) as library, pytest.raises(FileExistsError):
        backup_to(library.engine, target)
    assert victim.read_text(encoding="utf-8") == "precious" and not target.exists()


def test_index_old_symlink_is_really_removed(lib, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "keep.txt").write_text("mine", encoding="utf-8")
    link = lib / "index.old-123-abcdef"
    link.symlink_to(outside)
    proc = run(lib, "check", "--repair")
    out = proc.stdout.decode()
    assert proc.returncode == 0, out + proc.stderr.decode()
    assert f"removed the link {link}" in out
    assert not link.is_symlink() and not link.exists()
    assert (outside / "keep.txt").read_text(encoding="utf-8") == "mine"
    assert run(lib, "check").returncode == 0


# -- item 24: export destinations ----------------------------------------------------------


def fill(out) -> None:
    out.write("exported\n")


@pytest.fixture
def device(tmp_path) -> Path:
    """A character device of our own, like /dev/null (root only). Never the system's
    /dev/null: a regression would replace it for the whole machine."""
    node = tmp_path / "null-device"
    ok = os.geteuid() == 0
    if ok:
        try:
            os.mknod(node, stat.S_IFCHR | 0o666, os.makedev(1, 3))
        except OSError:
            ok = False
    require("a device node of our own", ok, "run as root on a filesystem allowing devices")
    return node


def test_export_refuses_a_device_and_a_fifo(tmp_path, device):
    os.mkfifo(tmp_path / "fifo")
    for dest in (device, tmp_path / "fifo"):
        before = dest.lstat()
        with pytest.raises(ExportError, match="not a regular file"):
            atomic_write(dest, fill)
        after = dest.lstat()
        assert (after.st_ino, after.st_mode) == (before.st_ino, before.st_mode)
        assert stat.S_ISCHR(after.st_mode) or stat.S_ISFIFO(after.st_mode)


def test_export_cli_refuses_a_device(lib, device):
    proc = run(lib, "export", "--format", "csv", "-o", device)
    line = err_line(proc)
    assert proc.returncode == 2 and f"{device}: is a device" in line
    assert stat.S_ISCHR(device.lstat().st_mode)


def test_export_keeps_permissions_and_writes_through_a_symlink(tmp_path):
    private = tmp_path / "private.md"
    private.write_text("old", encoding="utf-8")
    private.chmod(0o600)
    atomic_write(private, fill)
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    assert private.read_text(encoding="utf-8") == "exported\n"

    real = tmp_path / "real" / "list.md"
    real.parent.mkdir()
    real.write_text("old", encoding="utf-8")
    link = tmp_path / "list.md"
    link.symlink_to(real)
    assert atomic_write(link, fill) == real
    assert link.is_symlink() and real.read_text(encoding="utf-8") == "exported\n"

    dangling = tmp_path / "dangling.md"
    dangling.symlink_to(tmp_path / "nowhere" / "x.md")
    with pytest.raises(ExportError, match="symbolic link to nothing"):
        atomic_write(dangling, fill)


def test_killed_export_leftovers_are_cleaned_by_the_next_export(tmp_path):
    dest = tmp_path / "list.csv"
    # A real export killed mid-write: a child that holds its .part file open, then SIGKILL.
    code = (
        "import signal, sys\n"
        "from app.export.atomic import atomic_write\n"
        "def fill(out):\n"
        "    out.write('x' * 100000); out.flush(); print('writing', flush=True)\n"
        "    signal.pause()  # held mid-write until the test kills it\n"
        f"atomic_write({str(dest)!r}, fill)\n"
    )
    child = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout.readline().strip() == "writing"
        parts = list(tmp_path.glob(".list.csv.*.part"))
        assert len(parts) == 1
        # while it is being written, another export leaves it alone
        atomic_write(tmp_path / "list.csv", fill)
        assert parts[0].exists()
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
        child.stdout.close()
    assert parts[0].exists()  # what the kill left
    unrelated = tmp_path / ".other.csv.abc.part"
    unrelated.write_text("not ours to judge", encoding="utf-8")
    atomic_write(dest, fill)
    assert not list(tmp_path.glob(".list.csv.*.part")) and unrelated.exists()


# -- item 25: titles without letters or digits ---------------------------------------------


def test_titles_of_punctuation_alone_stay_different_papers(library):
    from app.store.merge import title_key
    from tests.conftest import SEED_AS_OF

    assert title_key("!!!") != title_key("???")
    assert title_key("!!!") == title_key(" !!! ")
    assert title_key("Deep Learning!") == title_key("deep   learning")
    backup = (
        '{"format": "paperdesk-export", "version": 1, "papers": ['
        '{"title": "!!!", "abstract": "One."}, {"title": "???", "abstract": "Two."}]}'
    )
    result = library.import_text(backup, "crafted.json", as_of=SEED_AS_OF)
    assert result.new == 2, result
    assert sorted(p.title for p in library.list_papers()) == ["!!!", "???"]


# -- item 10: a nearly full disk -----------------------------------------------------------


@pytest.fixture
def tmpfs(tmp_path):
    """A small RAM disk of our own (root only), unmounted afterwards."""
    where = tmp_path / "disk"
    where.mkdir()
    ok = (
        os.geteuid() == 0
        and shutil.which("mount") is not None
        and subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", str(where)], capture_output=True
        ).returncode
        == 0
    )
    require("a tmpfs mount", ok, "run as root with mount(8)")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


def fill_disk(folder: Path, leave_kb: int) -> None:
    avail = shutil.disk_usage(folder).free
    with (folder / "filler").open("wb") as fh:
        fh.write(b"\0" * max(0, avail - leave_kb * 1024))
        fh.flush()
        os.fsync(fh.fileno())


def test_nearly_full_disk_backup_is_a_warning_and_leaves_nothing(tmpfs, seeded_template):
    lib = tmpfs / "lib"
    shutil.copytree(seeded_template, lib, ignore=shutil.ignore_patterns("backups"))
    assert run(lib, "reindex").returncode == 0  # the index is there (its own case: item 11)
    shutil.rmtree(lib / "backups", ignore_errors=True)
    con = sqlite3.connect(lib / "library.sqlite")
    with con:  # no backup yet: the next open takes the daily one
        con.execute("DELETE FROM meta WHERE key = 'last_backup'")
    con.close()
    fill_disk(tmpfs, leave_kb=300)
    listing = run(lib, "list", "--limit", "3")
    err = listing.stderr.decode()
    assert listing.returncode == 0, err
    assert len(listing.stdout.splitlines()) == 3
    assert "Traceback" not in err and "warning: " in err and "the backup failed" in err
    assert not (lib / "backups").exists() or not list((lib / "backups").iterdir())
    star = run(lib, "star", "1")
    assert star.returncode == 0 and "Traceback" not in star.stderr.decode()
    assert run(lib, "show", "1", "--json").returncode == 0
    manual = run(lib, "backup")
    assert manual.returncode == 2 and "the backup failed" in manual.stderr.decode()
    assert not list(lib.glob("backups/*.part"))
    (tmpfs / "filler").unlink()
    assert run(lib, "backup").returncode == 0
    assert len(list((lib / "backups").glob("library-*.sqlite"))) >= 1


# -- item 15: the note limit holds for every writer, not only the command line ------------


def test_library_refuses_a_note_over_the_limit(seeded):
    from app.store.folder import MAX_NOTE_BYTES

    seeded.set_note(1, "kept")
    with pytest.raises(LibraryError, match="a note is at most 10 MB"):
        seeded.set_note(1, "é" * (MAX_NOTE_BYTES // 2 + 1))  # 2 bytes each in UTF-8
    assert seeded.note(1) == "kept"
    seeded.set_note(1, "x" * MAX_NOTE_BYTES)  # exactly the limit is fine
    assert len(seeded.note(1)) == MAX_NOTE_BYTES
